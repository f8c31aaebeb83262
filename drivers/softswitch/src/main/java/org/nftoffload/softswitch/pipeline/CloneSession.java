package org.nftoffload.softswitch.pipeline;

import java.util.List;

/**
 * A packet replication engine clone session: the ports a clone goes to and how many bytes of it (0 = all).
 *
 * @param id session id
 * @param ports egress ports of the replicas; the CPU port turns a replica into a packet-in
 * @param packetLengthBytes truncate clones to this length, 0 for no truncation
 */
public record CloneSession(int id, List<Integer> ports, int packetLengthBytes) {
  public CloneSession {
    ports = List.copyOf(ports);
    if (packetLengthBytes < 0) {
      throw new IllegalArgumentException("packet_length_bytes must not be negative");
    }
  }
}
