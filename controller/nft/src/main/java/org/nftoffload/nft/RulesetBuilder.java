package org.nftoffload.nft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The mutable state the text and JSON readers build while they apply commands in order (add, insert, delete,
 * flush), frozen into an immutable {@link Ruleset} at the end. Package-private: nothing outside the readers sees it.
 */
final class RulesetBuilder {

  static final class TableB {
    final Family family;
    final String name;
    final List<String> flags = new ArrayList<>();
    Optional<String> comment = Optional.empty();
    final Map<String, ChainB> chains = new LinkedHashMap<>();
    final Map<String, SetB> sets = new LinkedHashMap<>();
    final Map<String, Flowtable> flowtables = new LinkedHashMap<>();
    final Map<String, StatefulObject> objects = new LinkedHashMap<>();

    TableB(Family family, String name) {
      this.family = family;
      this.name = name;
    }

    ChainB chain(String chainName) {
      return chains.computeIfAbsent(chainName, ChainB::new);
    }

    Table build() {
      return new Table(family, name, flags, comment, chains.values().stream().map(ChainB::build).toList(),
          sets.values().stream().map(SetB::build).toList(), List.copyOf(flowtables.values()),
          List.copyOf(objects.values()));
    }
  }

  static final class ChainB {
    final String name;
    Optional<Hook> hook = Optional.empty();
    Optional<String> comment = Optional.empty();
    final List<Rule> rules = new ArrayList<>();

    ChainB(String name) {
      this.name = name;
    }

    int indexOfHandle(long handle) {
      for (int i = 0; i < rules.size(); i++) {
        if (rules.get(i).handle().equals(OptionalLong.of(handle))) {
          return i;
        }
      }
      return -1;
    }

    Chain build() {
      return new Chain(name, hook, comment, rules);
    }
  }

  static final class SetB {
    final String name;
    boolean map;
    String keyType = "";
    Optional<String> dataType = Optional.empty();
    final List<String> flags = new ArrayList<>();
    OptionalLong timeout = OptionalLong.empty();
    OptionalLong size = OptionalLong.empty();
    Optional<String> policy = Optional.empty();
    Optional<String> comment = Optional.empty();
    final List<SetElement> elements = new ArrayList<>();

    SetB(String name, boolean map) {
      this.name = name;
      this.map = map;
    }

    NftSet build() {
      // nft's text leaves out "flags timeout" when the set has a timeout; JSON lists it
      if ((timeout.isPresent() || elements.stream().anyMatch(e -> e.timeoutSeconds().isPresent()))
          && !flags.contains("timeout")) {
        flags.add("timeout");
      }
      return new NftSet(name, map, keyType, map ? dataType.or(() -> Optional.of("")) : Optional.empty(), flags,
          timeout, size, policy, comment, elements);
    }
  }

  final Map<String, TableB> tables = new LinkedHashMap<>();

  static String key(Family f, String name) {
    return f.nftName() + " " + name;
  }

  Ruleset build() {
    return new Ruleset(tables.values().stream().map(TableB::build).toList());
  }
}
