package org.nftoffload.nft;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one call the rest of the controller makes: read nft text or JSON (told apart by the first character), apply
 * its commands, validate, and return the model, or fail with the first problem as an nft-style positioned error
 * (file:line:col, the line, a caret). Pure: includes go through the given {@link IncludeResolver}.
 */
public final class NftFrontEnd {
  private NftFrontEnd() {}

  /** Parses and validates. */
  public static Ruleset read(Source source, IncludeResolver resolver) throws NftParseException {
    Map<String, Source> seen = new HashMap<>();
    seen.put(source.name(), source);
    IncludeResolver remembering = (name, from) -> {
      List<Source> got = resolver.resolve(name, from);
      got.forEach(s -> seen.put(s.name(), s));
      return got;
    };
    Ruleset rs = NftJsonParser.looksLikeJson(source.text()) ? NftJsonParser.parse(source.name(), source.text())
        : NftTextParser.parse(source, remembering);
    List<Problem> problems = Validator.validate(rs);
    if (!problems.isEmpty()) {
      Problem p = problems.getFirst();
      Position at = p.position().orElse(new Position(source.name(), 1, 1));
      Source s = seen.getOrDefault(at.file(), source);
      String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "";
      throw new NftParseException(at, p.position().isPresent() ? s.line(at.line()) : "", p.message() + more);
    }
    return rs;
  }

  /** Parses and validates self-contained input (includes refused). */
  public static Ruleset read(String name, String text) throws NftParseException {
    return read(new Source(name, text), IncludeResolver.none());
  }
}
