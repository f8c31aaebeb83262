package org.nftoffload.nft;

import java.util.Objects;

/** A named piece of nft text: a file's name (for messages) and its content. */
public record Source(String name, String text) {
  public Source {
    Objects.requireNonNull(name);
    Objects.requireNonNull(text);
  }

  /** The 1-based line, without its line break; empty past the end. */
  public String line(int line) {
    int start = 0;
    for (int i = 1; i < line; i++) {
      int nl = text.indexOf('\n', start);
      if (nl < 0) {
        return "";
      }
      start = nl + 1;
    }
    int end = text.indexOf('\n', start);
    String l = end < 0 ? text.substring(start) : text.substring(start, end);
    return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
  }
}
