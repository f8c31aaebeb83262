package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A chain: a base chain when it has a {@link Hook}, else a regular chain reached by jump/goto/vmap. */
public record Chain(String name, Optional<Hook> hook, Optional<String> comment, List<Rule> rules) {
  public Chain {
    Objects.requireNonNull(name);
    Objects.requireNonNull(hook);
    Objects.requireNonNull(comment);
    rules = List.copyOf(rules);
  }
}
