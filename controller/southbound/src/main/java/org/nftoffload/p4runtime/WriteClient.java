package org.nftoffload.p4runtime;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The write part of a device client: batched {@code Write}s with per-update results. The updates are split into
 * calls of the configured batch size with at most the configured number in flight; the future completes (never on
 * the caller's thread's expense: nothing waits) with one result per update in the order given. Entries the P4Info
 * cannot express fail locally with {@link RpcCode#INVALID_ARGUMENT} and are not sent; the rest still are.
 *
 * <p>Calls in flight may be applied by the device in any order, so one {@code write} must not hold two updates of
 * the same entry in different batches ({@code org.nftoffload.device.Device#apply} splits such lists for you).
 */
public interface WriteClient {

  CompletableFuture<WriteResult> write(List<TableUpdate> updates);

  /**
   * {@link #write} when the caller already has each entry's {@link ReadClient#canonicalBytes} (same positions as
   * {@code updates}; a null element: that entry is encoded as usual): the request embeds them instead of encoding the
   * entries again. The bytes must be those of the updates' entries.
   */
  default CompletableFuture<WriteResult> writeCanonical(List<TableUpdate> updates, List<byte[]> canonical) {
    return write(updates);
  }
}
