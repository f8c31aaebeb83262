package org.nftoffload.softswitch.pipeline;

import org.nftoffload.p4.FlowtableP4.PuntReason;

/**
 * Where the pipeline sends the frames it produces: out of a port, or to the controller as a packet-in. The
 * frame arrays are handed over: the sink may keep them.
 */
public interface PacketSink {

  /** A frame leaves on {@code port}. */
  void emit(int port, byte[] frame);

  /** A frame goes to the CPU port with packet_in metadata. */
  void toCpu(int ingressPort, PuntReason reason, byte[] frame);
}
