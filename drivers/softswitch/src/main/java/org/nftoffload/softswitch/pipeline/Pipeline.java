package org.nftoffload.softswitch.pipeline;

import static org.nftoffload.softswitch.pipeline.Frames.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.PuntReason;

/**
 * The flowtable pipeline of {@code p4/flowtable.p4} run on raw Ethernet frames. Ingress order: packet_out (sent
 * straight to its egress port), rx port counter, ACL (permit / drop / punt / copy-to-CPU clone / meter with red
 * dropped), non-IP and IPv4-with-options punts, TCP SYN/FIN/RST punt, then the exact flow_v4/flow_v6 lookup:
 * a miss is punted FLOW_MISS; a hit with TTL or hop limit at most 1 is punted TTL_EXPIRED untouched; otherwise
 * the hit's action rewrites MACs, VLAN and NAT fields, decrements TTL and fixes the checksums. Tx and punt
 * counters count what leaves. One instance is not thread-safe: the owner serialises calls.
 */
public final class Pipeline {

  private final TableStore store;
  private final IndexedCounter rxPortCounter;
  private final IndexedCounter txPortCounter;
  private final IndexedCounter puntCounter;
  private final Map<Integer, CloneSession> cloneSessions = new HashMap<>();
  private final LongSupplier nanos;
  private final int cpuPort;
  private final Headers h = new Headers();

  /**
   * @param store the tables
   * @param portCounterSize cells of the rx and tx port counters
   * @param puntCounterSize cells of the punt counter
   * @param nanos the switch clock in nanoseconds (meters, idle timeout)
   */
  public Pipeline(TableStore store, int portCounterSize, int puntCounterSize, LongSupplier nanos) {
    this.store = store;
    this.rxPortCounter = new IndexedCounter(portCounterSize);
    this.txPortCounter = new IndexedCounter(portCounterSize);
    this.puntCounter = new IndexedCounter(puntCounterSize);
    this.nanos = nanos;
    this.cpuPort = FlowtableP4.CPU_PORT;
  }

  public TableStore store() {
    return store;
  }

  public IndexedCounter rxPortCounter() {
    return rxPortCounter;
  }

  public IndexedCounter txPortCounter() {
    return txPortCounter;
  }

  public IndexedCounter puntCounter() {
    return puntCounter;
  }

  public Map<Integer, CloneSession> cloneSessions() {
    return cloneSessions;
  }

  public long nowNanos() {
    return nanos.getAsLong();
  }

  /** Resets every counter, clone session and table: the state of a freshly committed pipeline. */
  public void reset() {
    store.clear();
    rxPortCounter.clear();
    txPortCounter.clear();
    puntCounter.clear();
    cloneSessions.clear();
  }

  /**
   * A packet_out from the controller: sent to {@code egressPort} byte for byte, bypassing the ingress tables;
   * one to the CPU port comes back as a packet-in with reason 0. Counted on tx with the length of the frame plus
   * the 2-byte packet_out header, as the P4 program sees it.
   */
  public void packetOut(int egressPort, byte[] frame, PacketSink sink) {
    txPortCounter.count(egressPort, frame.length + PACKET_OUT_HEADER);
    if (egressPort == cpuPort) {
      sink.toCpu(cpuPort, 0, frame);
    } else {
      sink.emit(egressPort, frame);
    }
  }

  /** Bytes of the packet_out header (egress_port 9 bits + pad 7 bits). */
  static final int PACKET_OUT_HEADER = 2;

  /** Runs one frame received on {@code ingressPort}; the pipeline owns {@code frame} from now on. */
  public void process(int ingressPort, byte[] frame, PacketSink sink) {
    int len = frame.length;
    rxPortCounter.count(ingressPort, len);
    if (!h.parse(ingressPort, frame, len)) {
      return; // a runt has no Ethernet header to act on
    }
    TableEntry acl = store.lookupAcl(h);
    Action aclAction;
    if (acl != null) {
      acl.packets++;
      acl.bytes += len;
      aclAction = acl.action();
    } else {
      aclAction = store.defaultAction(TableKind.ACL);
    }
    switch (aclAction) {
      case Action.Drop d -> {
        return;
      }
      case Action.Punt p -> {
        punt(PuntReason.ACL_PUNT, frame, sink);
        return;
      }
      case Action.CopyToCpu c -> cloneToCpuSession(frame, sink);
      case Action.Meter m -> {
        if (acl != null && acl.meter.mark(nanos.getAsLong()) == TwoRateMeter.Color.RED) {
          return;
        }
      }
      default -> { } // permit, NoAction: go on
    }
    if (!h.ipv4 && !h.ipv6) {
      punt(PuntReason.FLOW_MISS, frame, sink);
      return;
    }
    if (h.ipv4) {
      if (h.ipv4HeaderLength != 20) {
        punt(PuntReason.IP_OPTIONS, frame, sink);
        return;
      }
      if (!Checksums.ipv4HeaderChecksumOk(frame, h.l3, 20)) {
        return; // a router drops a corrupt header; recomputing after the TTL change would hide it
      }
      if (h.ipv4Fragment) {
        punt(PuntReason.FLOW_MISS, frame, sink);
        return;
      }
    }
    if (h.tcp && (h.tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST)) != 0) {
      punt(PuntReason.TCP_CONTROL, frame, sink);
      return;
    }
    TableKind flowTable = h.ipv4 ? TableKind.FLOW_V4 : TableKind.FLOW_V6;
    TableEntry hit = store.find(flowTable, h.flowKey());
    Action action;
    if (hit != null) {
      hit.packets++;
      hit.bytes += len;
      long now = nanos.getAsLong();
      hit.lastHitNanos = now;
      hit.idleSinceNanos = now;
      action = hit.action();
    } else {
      action = store.defaultAction(flowTable);
    }
    if (!(action instanceof Action.Forward forward)) {
      punt(PuntReason.FLOW_MISS, frame, sink);
      return;
    }
    int ttl = frame[h.l3 + (h.ipv4 ? 8 : 7)] & 0xff;
    if (ttl <= 1) {
      punt(PuntReason.TTL_EXPIRED, frame, sink);
      return;
    }
    byte[] out = rewrite(frame, forward);
    txPortCounter.count(forward.port(), len);
    if (forward.port() == cpuPort) {
      sink.toCpu(h.ingressPort, 0, out);
    } else {
      sink.emit(forward.port(), out);
    }
  }

  private void punt(PuntReason reason, byte[] frame, PacketSink sink) {
    puntCounter.count(reason.code(), frame.length);
    txPortCounter.count(cpuPort, frame.length);
    sink.toCpu(h.ingressPort, reason.code(), frame);
  }

  private void cloneToCpuSession(byte[] frame, PacketSink sink) {
    puntCounter.count(PuntReason.ACL_LOG.code(), frame.length);
    CloneSession session = cloneSessions.get(FlowtableP4.CPU_CLONE_SESSION_ID);
    if (session == null) {
      return; // v1model: a clone to a session nobody configured goes nowhere
    }
    int copyLength = session.packetLengthBytes() == 0 ? frame.length
        : Math.min(frame.length, session.packetLengthBytes());
    for (int port : session.ports()) {
      byte[] copy = java.util.Arrays.copyOf(frame, copyLength);
      txPortCounter.count(port, frame.length); // a clone counts its original's length
      if (port == cpuPort) {
        sink.toCpu(h.ingressPort, PuntReason.ACL_LOG.code(), copy);
      } else {
        sink.emit(port, copy);
      }
    }
  }

  private byte[] rewrite(byte[] f, Action.Forward a) {
    int l3 = h.l3;
    if (h.ipv4) {
      f[l3 + 8]--;
    } else {
      f[l3 + 7]--;
    }
    if (a.nat() != null) {
      nat(f, a.nat());
    }
    if (h.ipv4) {
      Checksums.rewriteIpv4HeaderChecksum(f, l3, 20);
    }
    put48(f, 0, a.dmac());
    put48(f, 6, a.smac());
    switch (a.vlanMode()) {
      case KEEP -> { }
      case SET -> {
        if (h.vlanValid) {
          put16(f, 14, (get16(f, 14) & 0xf000) | a.vlanId());
        } else {
          byte[] tagged = new byte[f.length + VLAN_TAG];
          System.arraycopy(f, 0, tagged, 0, 12);
          put16(tagged, 12, ETHERTYPE_VLAN);
          put16(tagged, 14, a.vlanId());
          System.arraycopy(f, 12, tagged, 16, f.length - 12);
          return tagged;
        }
      }
      case POP -> {
        if (h.vlanValid) {
          byte[] untagged = new byte[f.length - VLAN_TAG];
          System.arraycopy(f, 0, untagged, 0, 12);
          System.arraycopy(f, 16, untagged, 12, f.length - 16);
          return untagged;
        }
      }
    }
    return f;
  }

  private void nat(byte[] f, Action.Nat nat) {
    int l3 = h.l3;
    byte[] src = nat.srcRef();
    byte[] dst = nat.dstRef();
    int addrOffset = h.ipv4 ? l3 + 12 : l3 + 8;
    System.arraycopy(src, 0, f, addrOffset, src.length);
    System.arraycopy(dst, 0, f, addrOffset + src.length, dst.length);
    int l4 = h.l4;
    if (l4 < 0) {
      return; // not TCP/UDP: addresses only, ICMP checksums are never touched
    }
    put16(f, l4, nat.sport());
    put16(f, l4 + 2, nat.dport());
    if (h.tcp) {
      int l4Length = h.ipv4 ? get16(f, l3 + 2) - 20 : get16(f, l3 + 4);
      put16(f, l4 + 16, l4Checksum(f, addrOffset, src.length, l4, l4Length, l4 + 16));
    } else if (!(h.ipv4 && get16(f, l4 + 6) == 0)) { // UDP over IPv4 without a checksum stays without one
      put16(f, l4 + 6, l4Checksum(f, addrOffset, src.length, l4, get16(f, l4 + 4), l4 + 6));
    }
  }

  /**
   * The TCP/UDP checksum recomputed in full as the P4 deparser does (BMv2 csum16): pseudo-header, then every
   * byte from the L4 header to the end of the frame with the checksum field read as 0; a sum of 0 is written
   * as 0.
   */
  private int l4Checksum(byte[] f, int addrOffset, int addrLength, int l4, int pseudoLength, int checksumOffset) {
    put16(f, checksumOffset, 0);
    long sum = Checksums.sum(f, addrOffset, 2 * addrLength);
    sum += h.ipProto;
    sum += pseudoLength;
    sum += Checksums.sum(f, l4, f.length - l4);
    return ~Checksums.fold(sum) & 0xffff;
  }

  /**
   * Returns the flow entries whose idle timeout ran out (no hit for at least their TTL) and restarts their idle
   * timers, so an entry that stays idle is reported again one TTL later (P4Runtime spec, "Table Idle Timeout
   * Notification"). Looks only at the entries due since the last call (see {@link IdleTimer}).
   */
  public List<TableEntry> collectIdle() {
    return store.collectIdle(nanos.getAsLong());
  }
}
