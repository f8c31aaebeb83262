package org.nftoffload.p4runtime;

/**
 * A PI entity that cannot be expressed in (or a P4Runtime message that cannot be read back through) the pipeline's
 * P4Info: unknown table, action or field, a value wider than its field, a missing parameter. The message names the
 * table and field so the caller can tell which entry is wrong; nothing is sent when encoding fails.
 */
public final class CodecException extends Exception {

  /** Creates the exception with a message that names the offending object. */
  public CodecException(String message) {
    super(message);
  }
}
