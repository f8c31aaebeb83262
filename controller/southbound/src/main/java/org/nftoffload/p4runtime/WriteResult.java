package org.nftoffload.p4runtime;

import java.util.List;

/**
 * The outcome of a batched write: one {@link UpdateResult} per update, in the order the updates were given, however
 * the client split them into P4Runtime {@code Write} calls.
 *
 * @param results per-update outcomes in request order
 */
public record WriteResult(List<UpdateResult> results) {

  public WriteResult {
    results = List.copyOf(results);
  }

  public boolean allOk() {
    return results.stream().allMatch(UpdateResult::ok);
  }

  public List<UpdateResult> failures() {
    return results.stream().filter(r -> !r.ok()).toList();
  }
}
