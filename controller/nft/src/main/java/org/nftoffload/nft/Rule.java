package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One rule of a chain: its statements in order, its comment, the kernel handle when the input carried one, and
 * where it was written. The position tells the operator which line a verdict or error is about; it is not part of
 * what the rule is, so two rules with the same statements and comment are equal wherever they were read from.
 */
public record Rule(List<Stmt> statements, Optional<String> comment, OptionalLong handle, Optional<Position> position) {
  public Rule {
    statements = List.copyOf(statements);
    Objects.requireNonNull(comment);
    Objects.requireNonNull(handle);
    Objects.requireNonNull(position);
  }

  /** The same rule without its kernel handle (text printed without {@code -a} carries none). */
  public Rule withoutHandle() {
    return new Rule(statements, comment, OptionalLong.empty(), position);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rule r && statements.equals(r.statements) && comment.equals(r.comment)
        && handle.equals(r.handle);
  }

  @Override
  public int hashCode() {
    return Objects.hash(statements, comment, handle);
  }
}
