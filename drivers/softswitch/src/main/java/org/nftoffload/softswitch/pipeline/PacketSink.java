package org.nftoffload.softswitch.pipeline;

/**
 * Where the pipeline sends the frames it produces: out of a port, or to the controller as a packet-in. The
 * frame arrays are handed over: the sink may keep them.
 */
public interface PacketSink {

  /** A frame leaves on {@code port}. */
  void emit(int port, byte[] frame);

  /**
   * A frame goes to the CPU port with packet_in metadata: the port it arrived on and the punt reason code
   * ({@code FlowtableP4.PuntReason#code()}, or 0 for a packet_out looped back to the CPU port).
   */
  void toCpu(int ingressPort, int reason, byte[] frame);
}
