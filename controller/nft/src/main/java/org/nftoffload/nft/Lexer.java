package org.nftoffload.nft;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits nft text into tokens. nft's own scanner knows every keyword; ours only separates words, strings,
 * variables, punctuation and operators, and leaves keywords to the parser, so that a keyword it does not know is
 * still a word and the rule can be kept as text. Comments run to the end of the line, except nft's
 * {@code # handle N} annotation, which becomes a token; a backslash before a line break joins lines.
 */
final class Lexer {
  private static final String SPECIAL = "{}()[],;=!<>&|^\"$@#";
  private static final boolean[] WORD = new boolean[128];

  static {
    for (char c = '!'; c < 127; c++) {
      WORD[c] = SPECIAL.indexOf(c) < 0 && c != '\'';
    }
  }

  private Lexer() {}

  static List<Token> lex(Source source) throws NftParseException {
    String s = source.text();
    List<Token> out = new ArrayList<>();
    int i = 0;
    int line = 1;
    int col = 1;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < n && (s.charAt(i + 1) == '\n' || s.charAt(i + 1) == '\r')) {
        i += s.charAt(i + 1) == '\r' && i + 2 < n && s.charAt(i + 2) == '\n' ? 3 : 2;
        line++;
        col = 1;
        continue;
      }
      if (c == '\n') {
        out.add(new Token(Token.Kind.NEWLINE, "\n", source, line, col));
        i++;
        line++;
        col = 1;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        i++;
        col++;
        continue;
      }
      int startCol = col;
      if (c == '#') {
        int end = s.indexOf('\n', i);
        if (end < 0) {
          end = n;
        }
        String comment = s.substring(i + 1, end).trim();
        if (comment.matches("handle \\d{1,18}")) {
          out.add(new Token(Token.Kind.HANDLE, comment.substring(7), source, line, startCol));
        }
        col += end - i;
        i = end;
        continue;
      }
      if (c == '"' || c == '\'') {
        StringBuilder sb = new StringBuilder();
        int j = i + 1;
        while (j < n && s.charAt(j) != c) {
          char d = s.charAt(j);
          if (d == '\n') {
            throw error(source, line, startCol, "unterminated string");
          }
          if (d == '\\' && j + 1 < n && (s.charAt(j + 1) == c || s.charAt(j + 1) == '\\')) {
            j++;
            d = s.charAt(j);
          }
          sb.append(d);
          j++;
        }
        if (j >= n) {
          throw error(source, line, startCol, "unterminated string");
        }
        out.add(new Token(Token.Kind.STRING, sb.toString(), source, line, startCol));
        col += j + 1 - i;
        i = j + 1;
        continue;
      }
      Token.Kind single = switch (c) {
        case '{' -> Token.Kind.LBRACE;
        case '}' -> Token.Kind.RBRACE;
        case '(' -> Token.Kind.LPAREN;
        case ')' -> Token.Kind.RPAREN;
        case '[' -> Token.Kind.LBRACK;
        case ']' -> Token.Kind.RBRACK;
        case ',' -> Token.Kind.COMMA;
        case ';' -> Token.Kind.SEMI;
        default -> null;
      };
      if (single != null) {
        out.add(new Token(single, String.valueOf(c), source, line, startCol));
        i++;
        col++;
        continue;
      }
      if (c == '$' || c == '@') {
        int j = i + 1;
        while (j < n && isWordChar(s.charAt(j))) {
          j++;
        }
        if (j == i + 1) {
          throw error(source, line, startCol, "expected a name after '" + c + "'");
        }
        out.add(new Token(c == '$' ? Token.Kind.VAR : Token.Kind.AT, s.substring(i + 1, j), source, line, startCol));
        col += j - i;
        i = j;
        continue;
      }
      if ("=!<>&|^".indexOf(c) >= 0) {
        String two = i + 1 < n ? s.substring(i, i + 2) : "";
        String op;
        if (two.equals("==") || two.equals("!=") || two.equals("<=") || two.equals(">=") || two.equals("<<")
            || two.equals(">>")) {
          op = two;
        } else {
          op = String.valueOf(c);
        }
        out.add(new Token(op.equals("=") ? Token.Kind.ASSIGN : Token.Kind.OP, op, source, line, startCol));
        i += op.length();
        col += op.length();
        continue;
      }
      int j = i;
      while (j < n && isWordChar(s.charAt(j))) {
        j++;
      }
      if (j == i) {
        throw error(source, line, startCol, "unexpected character '" + c + "'");
      }
      out.add(new Token(Token.Kind.WORD, s.substring(i, j), source, line, startCol));
      col += j - i;
      i = j;
    }
    out.add(new Token(Token.Kind.EOF, "", source, line, col));
    return out;
  }

  static boolean isWordChar(char c) {
    return c < 128 ? WORD[c] : !Character.isWhitespace(c);
  }

  private static NftParseException error(Source source, int line, int col, String msg) {
    return new NftParseException(new Position(source.name(), line, col), source.line(line), msg);
  }
}
