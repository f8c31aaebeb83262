package org.nftoffload.p4runtime;

import java.util.Optional;

/**
 * Where this client stands in the device's primary election for its role, as the last arbitration message said.
 *
 * @param state primary, backup, or not connected
 * @param ours the election id this client uses
 * @param primary the primary's election id (ours when primary); absent when no controller is primary, which after
 *     a primary left lasts until some controller announces an id at least as high as the highest seen
 */
public record Mastership(State state, ElectionId ours, Optional<ElectionId> primary) {

  /** The client's role in the election. */
  public enum State {
    /** The stream is down or arbitration has not been answered yet. */
    DISCONNECTED,
    /** Connected, another controller (or nobody with a higher id) is primary: reads only. */
    BACKUP,
    /** Connected and primary: writes are accepted. */
    PRIMARY
  }

  public boolean isPrimary() {
    return state == State.PRIMARY;
  }
}
