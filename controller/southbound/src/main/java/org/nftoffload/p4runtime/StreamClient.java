package org.nftoffload.p4runtime;

import java.util.concurrent.CompletableFuture;
import org.onosproject.net.pi.runtime.PiPacketOperation;

/**
 * The stream part of a device client: the {@code StreamChannel} carrying arbitration (primary election),
 * packet-in/out and idle-timeout notifications. The client keeps the stream open, reconnecting with backoff and
 * jitter when it breaks, and re-runs arbitration each time.
 */
public interface StreamClient {

  /** Opens the stream and sends arbitration; the future completes with the first answer. */
  CompletableFuture<Mastership> connect();

  /**
   * Announces a new election id on the stream (e.g. a higher one, to take over a device whose primary left:
   * P4Runtime only makes an id at least as high as the highest seen primary). Writes use it from now on; the
   * future completes with the device's answer.
   */
  CompletableFuture<Mastership> reannounce(ElectionId electionId);

  /** The state the last arbitration message put this client in. */
  Mastership mastership();

  void addListener(StreamListener listener);

  void removeListener(StreamListener listener);

  /** Sends a packet out of the device. */
  CompletableFuture<Void> packetOut(PiPacketOperation packet);
}
