package org.nftoffload.nft;

import java.util.List;

/**
 * Finds the text of an {@code include "name"} statement. The parser does no I/O: the caller decides what an include
 * may read (a directory, a classpath folder, nothing). A glob may give several sources, in order.
 */
@FunctionalInterface
public interface IncludeResolver {

  /**
   * The sources an include names, or an empty list when a glob matches nothing.
   *
   * @throws IllegalArgumentException with a one-line reason when the include cannot be read
   */
  List<Source> resolve(String name, String includingFile);

  /** A resolver that refuses every include, for input that must be self-contained. */
  static IncludeResolver none() {
    return (name, from) -> {
      throw new IllegalArgumentException("includes are not allowed here");
    };
  }
}
