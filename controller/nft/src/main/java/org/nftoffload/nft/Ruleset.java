package org.nftoffload.nft;

import java.util.List;
import java.util.Optional;

/**
 * The immutable model of a whole nftables ruleset: the state the kernel would hold after loading the input (add,
 * insert, delete and flush commands already applied). Text and JSON input of the same ruleset give equal models up
 * to {@link #normalized()}.
 */
public record Ruleset(List<Table> tables) {
  public Ruleset {
    tables = List.copyOf(tables);
  }

  /** The table of that family and name. */
  public Optional<Table> table(Family family, String name) {
    return tables.stream().filter(t -> t.family() == family && t.name().equals(name)).findFirst();
  }

  /**
   * The same ruleset in the form both of nft's outputs agree on: no rule handles (text without {@code -a} prints
   * none), set elements in a canonical order, and the objects of each table in a canonical order (nft lists them by
   * kind).
   */
  public Ruleset normalized() {
    return new Ruleset(tables.stream().map(t -> new Table(t.family(), t.name(), t.flags(), t.comment(),
        t.chains().stream().map(c -> new Chain(c.name(), c.hook(), c.comment(),
            c.rules().stream().map(Rule::withoutHandle).toList())).toList(),
        t.sets().stream().map(NftSet::withSortedElements).toList(),
        t.flowtables(),
        t.objects().stream().sorted(java.util.Comparator.comparing(StatefulObject::kind)
            .thenComparing(StatefulObject::name)).toList())).toList());
  }

  /** All rules in all chains. */
  public int ruleCount() {
    return tables.stream().flatMap(t -> t.chains().stream()).mapToInt(c -> c.rules().size()).sum();
  }
}
