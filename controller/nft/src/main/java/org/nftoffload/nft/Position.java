package org.nftoffload.nft;

import java.util.Objects;

/**
 * Where something came from in the input: file name (as given to the parser), 1-based line and column. Carried by
 * rules and errors so that every message can point at the text the operator wrote.
 */
public record Position(String file, int line, int column) {
  public Position {
    Objects.requireNonNull(file, "file");
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("line and column are 1-based: " + line + ":" + column);
    }
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
