package org.nftoffload.ruleset;

import java.util.Optional;
import org.nftoffload.nft.Position;

/**
 * A ruleset was refused — it does not parse or validate (with the position), or a device or agent refused the
 * change (the previous ruleset is still in force everywhere). {@link #kind()} says which, for the REST status.
 */
public final class RulesetException extends Exception {

  /** Why the ruleset was refused. */
  public enum Kind {
    /** The text does not parse or validate. */
    INVALID,
    /** A device refused the change; it was rolled back. */
    DEVICE,
    /** The change raced another one. */
    CONFLICT
  }

  private final Kind kind;
  private final Optional<Position> position;

  public RulesetException(Kind kind, String message, Optional<Position> position) {
    super(message);
    this.kind = kind;
    this.position = position;
  }

  public Kind kind() {
    return kind;
  }

  public Optional<Position> position() {
    return position;
  }
}
