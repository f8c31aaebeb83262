package org.nftoffload.nft;

/** One lexical token of nft text, with the source and 1-based line/column where it starts. */
record Token(Kind kind, String text, Source source, int line, int column) {

  /** Token kinds; {@code OP} covers comparison, bitwise and negation operators. */
  enum Kind { WORD, STRING, VAR, AT, LBRACE, RBRACE, LPAREN, RPAREN, LBRACK, RBRACK, COMMA, SEMI, NEWLINE, ASSIGN,
    OP, HANDLE, EOF }

  boolean is(Kind k) {
    return kind == k;
  }

  boolean isWord(String w) {
    return kind == Kind.WORD && text.equals(w);
  }

  Position position() {
    return new Position(source.name(), line, column);
  }

  /** How the token reads in a message. */
  String describe() {
    return switch (kind) {
      case EOF -> "end of file";
      case NEWLINE -> "newline";
      case STRING -> "string \"" + text + "\"";
      case VAR -> "$" + text;
      default -> "'" + text + "'";
    };
  }
}
