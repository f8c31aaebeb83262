package org.nftoffload.api;

import java.util.Map;

/**
 * An error the REST API answers with an RFC 9457 problem document ({@code application/problem+json}): the HTTP
 * status, a short title, the detail for this occurrence and optional extension members (e.g. a ruleset position).
 */
public final class ApiProblem extends RuntimeException {

  private final int status;
  private final String title;
  private final Map<String, Object> extensions;

  public ApiProblem(int status, String title, String detail, Map<String, Object> extensions) {
    super(detail);
    this.status = status;
    this.title = title;
    this.extensions = Map.copyOf(extensions);
  }

  public ApiProblem(int status, String title, String detail) {
    this(status, title, detail, Map.of());
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public Map<String, Object> extensions() {
    return extensions;
  }
}
