package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A table: family, name, flags, and its chains, sets and maps, flowtables and stateful objects, in input order. */
public record Table(Family family, String name, List<String> flags, Optional<String> comment, List<Chain> chains,
    List<NftSet> sets, List<Flowtable> flowtables, List<StatefulObject> objects) {
  public Table {
    Objects.requireNonNull(family);
    Objects.requireNonNull(name);
    flags = List.copyOf(flags.stream().distinct().sorted().toList());
    Objects.requireNonNull(comment);
    chains = List.copyOf(chains);
    sets = List.copyOf(sets);
    flowtables = List.copyOf(flowtables);
    objects = List.copyOf(objects);
  }

  /** The chain of that name. */
  public Optional<Chain> chain(String chainName) {
    return chains.stream().filter(c -> c.name().equals(chainName)).findFirst();
  }

  /** The set or map of that name. */
  public Optional<NftSet> set(String setName) {
    return sets.stream().filter(s -> s.name().equals(setName)).findFirst();
  }

  /** The flowtable of that name. */
  public Optional<Flowtable> flowtable(String ftName) {
    return flowtables.stream().filter(f -> f.name().equals(ftName)).findFirst();
  }

  /** {@code family name}, as nft names a table in messages. */
  public String label() {
    return family.nftName() + " " + name;
  }
}
