package org.nftoffload.plan;

import java.util.Objects;
import java.util.Optional;
import org.nftoffload.nft.Family;
import org.nftoffload.nft.Position;

/** Which nft rule something in a plan comes from: table, chain, index in the chain, source position and text. */
public record RuleRef(Family family, String table, String chain, int index, Optional<Position> position,
    String text) {
  public RuleRef {
    Objects.requireNonNull(family);
    Objects.requireNonNull(table);
    Objects.requireNonNull(chain);
    Objects.requireNonNull(position);
    Objects.requireNonNull(text);
  }

  /** {@code inet filter forward #3}. */
  public String label() {
    return family.nftName() + " " + table + " " + chain + " #" + (index + 1);
  }
}
