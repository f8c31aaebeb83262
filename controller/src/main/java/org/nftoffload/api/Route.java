package org.nftoffload.api;

/**
 * One REST route as the API declares it: method, Javalin path ({@code {name}} for parameters) and the role it needs.
 * The list of routes is what the OpenAPI document is checked against.
 *
 * @param method GET, PUT or DELETE
 * @param path the path, e.g. {@code /api/v1/flows/{id}}
 * @param access who may call it
 */
public record Route(String method, String path, Access access) {

  /** Who may call a route. */
  public enum Access {
    /** Anyone (health probes). */
    PUBLIC,
    /** A read-only or admin token. */
    READ,
    /** An admin token. */
    ADMIN
  }
}
