package org.nftoffload.nft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The preprocessing nft does before parsing: {@code define}/{@code redefine}/{@code undefine} of variables,
 * substitution of {@code $name}, and {@code include} through the injected {@link IncludeResolver}. Substituted
 * tokens take the position of the {@code $name} they replace, so errors point at what the operator wrote.
 */
final class Expander {
  private static final int MAX_INCLUDE_DEPTH = 16;
  private final IncludeResolver resolver;
  private final Map<String, List<Token>> vars = new HashMap<>();

  Expander(IncludeResolver resolver) {
    this.resolver = resolver;
  }

  List<Token> expand(Source source) throws NftParseException {
    List<Token> out = new ArrayList<>();
    expandInto(Lexer.lex(source), out, 0);
    out.add(new Token(Token.Kind.EOF, "", source, out.isEmpty() ? 1 : out.getLast().line() + 1, 1));
    return out;
  }

  private void expandInto(List<Token> in, List<Token> out, int depth) throws NftParseException {
    int i = 0;
    while (i < in.size()) {
      Token t = in.get(i);
      if (t.is(Token.Kind.EOF)) {
        break;
      }
      boolean atStart = i == 0 || in.get(i - 1).is(Token.Kind.NEWLINE) || in.get(i - 1).is(Token.Kind.SEMI)
          || in.get(i - 1).is(Token.Kind.LBRACE);
      if (atStart && (t.isWord("define") || t.isWord("redefine"))) {
        Token name = in.get(i + 1);
        if (!name.is(Token.Kind.WORD)) {
          throw error(name, "syntax error, unexpected " + name.describe() + ", expecting variable name");
        }
        Token eq = in.get(i + 2);
        if (!eq.is(Token.Kind.ASSIGN)) {
          throw error(eq, "syntax error, unexpected " + eq.describe() + ", expecting '='");
        }
        int j = i + 3;
        int depthBraces = 0;
        List<Token> value = new ArrayList<>();
        while (j < in.size()) {
          Token v = in.get(j);
          if (v.is(Token.Kind.EOF) || depthBraces == 0 && (v.is(Token.Kind.NEWLINE) || v.is(Token.Kind.SEMI))) {
            break;
          }
          if (v.is(Token.Kind.LBRACE)) {
            depthBraces++;
          } else if (v.is(Token.Kind.RBRACE)) {
            depthBraces--;
          }
          if (v.is(Token.Kind.VAR)) {
            value.addAll(substitute(v));
          } else if (!v.is(Token.Kind.NEWLINE)) {
            value.add(v);
          }
          j++;
        }
        if (value.isEmpty()) {
          throw error(in.get(j), "syntax error, expecting a value for variable " + name.text());
        }
        if (t.isWord("define") && vars.containsKey(name.text())) {
          throw error(name, "redefinition of symbol '" + name.text() + "'");
        }
        vars.put(name.text(), List.copyOf(value));
        i = j;
        continue;
      }
      if (atStart && t.isWord("undefine") && in.get(i + 1).is(Token.Kind.WORD)) {
        if (vars.remove(in.get(i + 1).text()) == null) {
          throw error(in.get(i + 1), "undefined symbol '" + in.get(i + 1).text() + "'");
        }
        i += 2;
        continue;
      }
      if (atStart && t.isWord("include")) {
        Token file = in.get(i + 1);
        if (!file.is(Token.Kind.STRING)) {
          throw error(file, "syntax error, unexpected " + file.describe() + ", expecting quoted file name");
        }
        if (depth >= MAX_INCLUDE_DEPTH) {
          throw error(file, "include nested too deeply (more than " + MAX_INCLUDE_DEPTH + " levels)");
        }
        List<Source> sources;
        try {
          sources = resolver.resolve(file.text(), t.source().name());
        } catch (IllegalArgumentException e) {
          throw error(file, "cannot include \"" + file.text() + "\": " + e.getMessage());
        }
        for (Source s : sources) {
          expandInto(Lexer.lex(s), out, depth + 1);
          out.add(new Token(Token.Kind.NEWLINE, "\n", file.source(), file.line(), file.column()));
        }
        i += 2;
        continue;
      }
      if (t.is(Token.Kind.VAR)) {
        out.addAll(substitute(t));
      } else {
        out.add(t);
      }
      i++;
    }
  }

  private List<Token> substitute(Token var) throws NftParseException {
    List<Token> value = vars.get(var.text());
    if (value == null) {
      throw error(var, "unknown identifier '" + var.text() + "'");
    }
    List<Token> out = new ArrayList<>(value.size());
    for (Token v : value) {
      out.add(new Token(v.kind(), v.text(), var.source(), var.line(), var.column()));
    }
    return out;
  }

  static NftParseException error(Token t, String msg) {
    return new NftParseException(t.position(), t.source().line(t.line()), msg);
  }
}
