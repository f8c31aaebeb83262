package org.nftoffload.nft;

import java.util.Objects;
import java.util.Optional;

/** One thing wrong with a ruleset that parsed: where (the rule or object it is about, when known) and what. */
public record Problem(Optional<Position> position, String message) {
  public Problem {
    Objects.requireNonNull(position);
    Objects.requireNonNull(message);
  }

  @Override
  public String toString() {
    return position.map(p -> p + ": Error: ").orElse("Error: ") + message;
  }
}
