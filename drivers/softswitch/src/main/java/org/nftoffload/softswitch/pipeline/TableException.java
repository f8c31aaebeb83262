package org.nftoffload.softswitch.pipeline;

/** A table refused a change: the entry exists already, does not exist, or the table is full. */
public final class TableException extends Exception {

  /** Why the change was refused; each maps to the P4Runtime code of the same name. */
  public enum Reason { ALREADY_EXISTS, NOT_FOUND, RESOURCE_EXHAUSTED }

  private final Reason reason;

  public TableException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
