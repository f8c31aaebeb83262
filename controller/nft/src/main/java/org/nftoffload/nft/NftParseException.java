package org.nftoffload.nft;

import java.util.Objects;

/**
 * A ruleset that cannot be read, reported the way nft reports it: {@code file:line:col: Error: message}, the line
 * itself and a caret under the offending column, and what was expected there. {@link #getMessage()} is that whole
 * text, ready to print; nothing else about the input changes.
 */
public final class NftParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Position position;
  private final String lineText;
  private final String reason;

  public NftParseException(Position position, String lineText, String reason) {
    super(format(position, lineText, reason));
    this.position = Objects.requireNonNull(position);
    this.lineText = lineText == null ? "" : lineText;
    this.reason = Objects.requireNonNull(reason);
  }

  /** Where the error is. */
  public Position position() {
    return position;
  }

  /** The input line the error is on (without its newline). */
  public String lineText() {
    return lineText;
  }

  /** The message without position, line and caret. */
  public String reason() {
    return reason;
  }

  static String format(Position p, String lineText, String reason) {
    StringBuilder sb = new StringBuilder();
    sb.append(p).append(": Error: ").append(reason);
    if (lineText != null && !lineText.isEmpty()) {
      sb.append('\n').append(lineText).append('\n');
      // keep tabs so the caret lines up under the same column in a terminal
      for (int i = 0; i < p.column() - 1 && i < lineText.length(); i++) {
        sb.append(lineText.charAt(i) == '\t' ? '\t' : ' ');
      }
      sb.append('^');
    }
    return sb.toString();
  }
}
