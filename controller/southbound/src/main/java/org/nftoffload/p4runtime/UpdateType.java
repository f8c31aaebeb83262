package org.nftoffload.p4runtime;

/** What a write does to one table entry: P4Runtime's {@code Update.Type} without the unspecified value. */
public enum UpdateType {
  /** Add an entry whose match key is not in the table yet. */
  INSERT,
  /** Change the action (or timeout) of an entry that exists. */
  MODIFY,
  /** Remove an entry that exists. */
  DELETE
}
