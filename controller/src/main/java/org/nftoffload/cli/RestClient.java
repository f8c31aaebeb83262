package org.nftoffload.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The REST connection options every API subcommand shares ({@code --url}, {@code --token}, {@code --json}) and the
 * calls they make. Exit codes: 0 success, 1 the controller refused (4xx/5xx, the problem's detail is printed),
 * 2 usage, 3 the controller could not be reached.
 */
final class RestClient {

  static final int REFUSED = 1;
  static final int UNREACHABLE = 3;
  static final ObjectMapper JSON = new ObjectMapper();

  /** A failed call: the exit code and the message for stderr. */
  static final class CallFailed extends Exception {
    final int exit;

    CallFailed(int exit, String message) {
      super(message);
      this.exit = exit;
    }
  }

  @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:NFTOFFLOAD_URL:-http://127.0.0.1:8181}",
      description = "Controller REST address (env NFTOFFLOAD_URL; default ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:NFTOFFLOAD_TOKEN}",
      description = "Bearer token (env NFTOFFLOAD_TOKEN).")
  String token;

  @Option(names = "--json", description = "Print the controller's JSON instead of a table.")
  boolean json;

  JsonNode call(String method, String path, String body, String contentType) throws CallFailed {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path))
        .timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    HttpResponse<String> r;
    try {
      r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(b.build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new CallFailed(UNREACHABLE, "cannot reach the controller at " + url + " (is `nftoffload serve` running?)");
    } catch (IOException e) {
      throw new CallFailed(UNREACHABLE, "controller at " + url + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CallFailed(UNREACHABLE, "interrupted");
    } catch (IllegalArgumentException e) {
      throw new CallFailed(2, "bad --url " + url + ": " + e.getMessage());
    }
    JsonNode node;
    try {
      node = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      node = JSON.createObjectNode().put("detail", r.body());
    }
    if (r.statusCode() >= 400) {
      String detail = node.path("detail").asText(r.body());
      JsonNode pos = node.path("position");
      String where = pos.isMissingNode() ? "" : " at line " + pos.path("line").asInt() + ", column "
          + pos.path("column").asInt();
      throw new CallFailed(REFUSED, "HTTP " + r.statusCode() + " " + node.path("title").asText("") + where + ": "
          + detail);
    }
    return node;
  }
}
