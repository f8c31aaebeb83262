package org.nftoffload.p4runtime;

import java.util.List;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * Receives what a device's stream channel delivers. Called on gRPC threads: implementations hand work off and
 * return quickly.
 */
public interface StreamListener {

  /** This client's election state changed (connected, became backup, regained primary, lost the stream). */
  default void onMastership(Mastership mastership) {}

  /** A packet the device sent to the controller. */
  default void onPacketIn(PiPacketOperation packet) {}

  /** Entries whose idle timeout expired (match key, priority and table filled in). */
  default void onIdleTimeout(List<PiTableEntry> entries) {}

  /** An asynchronous error the device reported on the stream (e.g. a malformed packet_out). */
  default void onStreamError(RpcCode code, String message) {}
}
