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

  /** The state the last arbitration message put this client in. */
  Mastership mastership();

  void addListener(StreamListener listener);

  void removeListener(StreamListener listener);

  /** Sends a packet out of the device. */
  CompletableFuture<Void> packetOut(PiPacketOperation packet);
}
