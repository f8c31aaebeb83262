package org.nftoffload.p4runtime;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The pipeline-config part of a device client: pushes the P4Info with the target's device config
 * ({@code SetForwardingPipelineConfig}, VERIFY_AND_COMMIT) and asks which pipeline is loaded by its cookie, so a
 * reconnecting controller does not reset a device that already runs the right program.
 */
public interface PipelineConfigClient {

  /** Pushes the P4Info and {@code deviceConfig}, tagged with {@code cookie}. Needs primary. */
  CompletableFuture<Void> setPipelineConfig(byte[] deviceConfig, long cookie);

  /** The cookie of the loaded pipeline; empty when none is loaded. */
  CompletableFuture<OptionalLong> pipelineCookie();

  /**
   * Makes clone session {@code sessionId} copy packets to {@code egressPort} (one replica, instance 0): a MODIFY,
   * or an INSERT when the device has no such session. Idempotent, so it also repairs a session changed behind the
   * controller's back. Needs primary.
   */
  CompletableFuture<Void> cloneSession(int sessionId, int egressPort);
}
