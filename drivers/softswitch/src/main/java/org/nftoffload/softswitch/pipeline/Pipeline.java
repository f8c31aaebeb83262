package org.nftoffload.softswitch.pipeline;

import static org.nftoffload.softswitch.pipeline.Frames.*;

import java.util.ArrayList;
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

  /** A packet_out from the controller: sent to {@code egressPort} as it is, bypassing the ingress tables. */
  public void packetOut(int egressPort, byte[] frame, PacketSink sink) {
    txPortCounter.count(egressPort, frame.length);
    sink.emit(egressPort, frame);
  }

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
    if (h.ipv4 && h.ipv4HeaderLength != 20) {
      punt(PuntReason.IP_OPTIONS, frame, sink);
      return;
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
      hit.lastHitNanos = nanos.getAsLong();
      hit.idleNotified = false;
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
    txPortCounter.count(forward.port(), out.length);
    sink.emit(forward.port(), out);
  }

  private void punt(PuntReason reason, byte[] frame, PacketSink sink) {
    puntCounter.count(reason.code(), frame.length);
    txPortCounter.count(cpuPort, frame.length);
    sink.toCpu(h.ingressPort, reason, frame);
  }

  private void cloneToCpuSession(byte[] frame, PacketSink sink) {
    CloneSession session = cloneSessions.get(FlowtableP4.CPU_CLONE_SESSION_ID);
    if (session == null) {
      return; // v1model: a clone to a session nobody configured goes nowhere
    }
    int copyLength = session.packetLengthBytes() == 0 ? frame.length
        : Math.min(frame.length, session.packetLengthBytes());
    for (int port : session.ports()) {
      byte[] copy = java.util.Arrays.copyOf(frame, copyLength);
      txPortCounter.count(port, copyLength);
      if (port == cpuPort) {
        puntCounter.count(PuntReason.ACL_LOG.code(), copyLength);
        sink.toCpu(h.ingressPort, PuntReason.ACL_LOG, copy);
      } else {
        sink.emit(port, copy);
      }
    }
  }

  private byte[] rewrite(byte[] f, Action.Forward a) {
    int l3 = h.l3;
    if (a.nat() != null) {
      nat(f, a.nat());
    }
    if (h.ipv4) {
      f[l3 + 8]--;
      Checksums.rewriteIpv4HeaderChecksum(f, l3, 20);
    } else {
      f[l3 + 7]--;
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
    int l4 = h.l4;
    int csumOffset = h.tcp ? l4 + 16 : h.udp ? l4 + 6 : -1;
    int csum = csumOffset >= 0 ? get16(f, csumOffset) : 0;
    // UDP over IPv4 may carry no checksum (0); it must stay 0
    boolean updateL4 = csumOffset >= 0 && !(h.udp && h.ipv4 && csum == 0);
    byte[] src = nat.srcRef();
    byte[] dst = nat.dstRef();
    int addrOffset = h.ipv4 ? l3 + 12 : l3 + 8;
    int addrLength = src.length;
    byte[] oldAddrs = java.util.Arrays.copyOfRange(f, addrOffset, addrOffset + 2 * addrLength);
    System.arraycopy(src, 0, f, addrOffset, addrLength);
    System.arraycopy(dst, 0, f, addrOffset + addrLength, addrLength);
    if (updateL4) {
      csum = Checksums.update(csum, oldAddrs, f, addrOffset, 2 * addrLength);
    }
    if (l4 >= 0) {
      int oldSport = get16(f, l4);
      int oldDport = get16(f, l4 + 2);
      put16(f, l4, nat.sport());
      put16(f, l4 + 2, nat.dport());
      if (updateL4) {
        csum = Checksums.update16(csum, oldSport, nat.sport());
        csum = Checksums.update16(csum, oldDport, nat.dport());
      }
    }
    if (updateL4) {
      if (h.udp && csum == 0) {
        csum = 0xffff; // a computed UDP checksum of 0 is sent as all ones
      }
      put16(f, csumOffset, csum);
    }
  }

  /**
   * Marks and returns the flow entries whose idle timeout has run out since their last hit and that were not
   * reported yet; a later hit re-arms them.
   */
  public List<TableEntry> collectIdle() {
    long now = nanos.getAsLong();
    List<TableEntry> idle = new ArrayList<>();
    for (TableKind kind : new TableKind[] {TableKind.FLOW_V4, TableKind.FLOW_V6}) {
      for (TableEntry e : store.liveEntries(kind)) {
        if (e.idleTimeoutNs() > 0 && !e.idleNotified && now - e.lastHitNanos >= e.idleTimeoutNs()) {
          e.idleNotified = true;
          idle.add(e);
        }
      }
    }
    return idle;
  }
}
