package org.nftoffload.softswitch.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.nftoffload.p4.FlowtableP4.PuntReason;

/** A {@link PacketSink} that keeps what the pipeline produced, in order. */
final class RecordingSink implements PacketSink {

  record Out(int port, byte[] frame) {}

  /** A packet-in; reason null for code 0 (a packet_out looped back to the CPU port). */
  record In(int ingressPort, PuntReason reason, byte[] frame) {}

  final List<Out> emitted = new ArrayList<>();
  final List<In> punted = new ArrayList<>();

  @Override
  public void emit(int port, byte[] frame) {
    emitted.add(new Out(port, frame));
  }

  @Override
  public void toCpu(int ingressPort, int reason, byte[] frame) {
    punted.add(new In(ingressPort, PuntReason.of(reason).orElse(null), frame));
  }

  void clear() {
    emitted.clear();
    punted.clear();
  }
}
