package org.nftoffload.nft;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One element of a named set or map: its key (a value, prefix, range or concatenation), the mapped value for maps,
 * and the per-element timeout (seconds) and comment. Expiry countdowns and counter values are run-time state and
 * are not kept.
 */
public record SetElement(Expr key, Optional<Expr> value, OptionalLong timeoutSeconds, Optional<String> comment) {
  public SetElement {
    Objects.requireNonNull(key);
    Objects.requireNonNull(value);
    Objects.requireNonNull(timeoutSeconds);
    Objects.requireNonNull(comment);
  }

  /** An element with just a key. */
  public static SetElement of(Expr key) {
    return new SetElement(key, Optional.empty(), OptionalLong.empty(), Optional.empty());
  }
}
