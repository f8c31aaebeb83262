package org.nftoffload.flow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.Scheduler;

/**
 * One flow the flow manager tracks: its spec kept as plain fields, its entries' keys, and its lifecycle. One object
 * per flow on purpose: a young collection copies every flow created since the one before, and the spec as records
 * ({@link FlowSpec}, {@link FlowId}, two {@link Tuple}s, two {@link Direction}s, addresses) was nine more objects per
 * flow to copy. {@link #spec()} and {@link #id()} rebuild the records when something asks. Mutated only on the flow
 * manager's thread; the volatile fields are read, racily, for display.
 */
final class Flow {

  final long number;
  private final int idHash;
  private final String agent;
  private final char zone;
  private final byte protocol;
  final long conntrackId;
  // IPv4 addresses in the ints; IPv6 ones in wide (original source, destination, reply source, destination)
  private final int originalSource;
  private final int originalDestination;
  private final int replySource;
  private final int replyDestination;
  private final byte[] wide;
  private final char originalSourcePort;
  private final char originalDestinationPort;
  private final char replySourcePort;
  private final char replyDestinationPort;
  private final String originalIngress;
  private final String originalEgress;
  private final String replyIngress;
  private final String replyEgress;
  private final long originalSourceMac;
  private final long originalDestinationMac;
  private final long replySourceMac;
  private final long replyDestinationMac;
  private final short originalIngressVlan;
  private final short originalEgressVlan;
  private final short replyIngressVlan;
  private final short replyEgressVlan;

  final String device;
  // The entries' keys as EntryKey's content, not key objects (see FlowKeys); a flow never placed has none.
  final boolean placed;
  private final long originalHigh;
  private final long originalLow;
  private final byte[] originalWide;
  private final int originalHash;
  private final long replyHigh;
  private final long replyLow;
  private final byte[] replyWide;
  private final int replyHash;

  volatile FlowState state;
  volatile String reason;
  volatile int retries;
  volatile long packets;
  volatile long bytes;
  volatile long lastUsedMillis;
  volatile long sinceMillis;
  long acceptedNanos;
  int pending;
  boolean installedOriginal;
  boolean installedReply;
  String failure;
  RpcCode failureCode;
  boolean teardownWanted;
  boolean notifyRemoved;
  boolean idleOriginal;
  boolean idleReply;
  FlowSpec readd;
  Scheduler.Task retryTask;

  /**
   * @param spec what the agent reported; its strings should be shared ones (see {@link Names}), as the flow keeps
   *     them
   * @param device the device holding its entries, null when it could not be placed
   * @param keyOriginal the original entry's key, null when it could not be placed
   * @param keyReply the reply entry's key, null when it could not be placed
   */
  Flow(long number, FlowSpec spec, FlowState state, String device, EntryKey keyOriginal, EntryKey keyReply,
      long now) {
    this.number = number;
    FlowId id = spec.id();
    this.idHash = id.hashCode();
    this.agent = id.agent();
    this.zone = (char) id.zone();
    this.conntrackId = spec.conntrackId();
    Direction o = spec.original();
    Direction r = spec.reply();
    Tuple to = o.tuple();
    Tuple tr = r.tuple();
    this.protocol = (byte) to.protocol();
    if (to.ipv4()) {
      this.wide = null;
      this.originalSource = v4(to.source());
      this.originalDestination = v4(to.destination());
      this.replySource = v4(tr.source());
      this.replyDestination = v4(tr.destination());
    } else {
      this.wide = new byte[64];
      InetAddress[] all = {to.source(), to.destination(), tr.source(), tr.destination()};
      for (int i = 0; i < 4; i++) {
        System.arraycopy(all[i].getAddress(), 0, wide, 16 * i, 16);
      }
      this.originalSource = 0;
      this.originalDestination = 0;
      this.replySource = 0;
      this.replyDestination = 0;
    }
    this.originalSourcePort = (char) to.sourcePort();
    this.originalDestinationPort = (char) to.destinationPort();
    this.replySourcePort = (char) tr.sourcePort();
    this.replyDestinationPort = (char) tr.destinationPort();
    this.originalIngress = o.ingress();
    this.originalEgress = o.egress();
    this.replyIngress = r.ingress();
    this.replyEgress = r.egress();
    this.originalSourceMac = o.sourceMac();
    this.originalDestinationMac = o.destinationMac();
    this.replySourceMac = r.sourceMac();
    this.replyDestinationMac = r.destinationMac();
    this.originalIngressVlan = (short) o.ingressVlan();
    this.originalEgressVlan = (short) o.egressVlan();
    this.replyIngressVlan = (short) r.ingressVlan();
    this.replyEgressVlan = (short) r.egressVlan();
    this.state = state;
    this.device = device;
    this.placed = keyOriginal != null;
    this.originalHigh = placed ? keyOriginal.high() : 0;
    this.originalLow = placed ? keyOriginal.low() : 0;
    this.originalWide = placed ? keyOriginal.wide() : null;
    this.originalHash = placed ? keyOriginal.hashCode() : 0;
    this.replyHigh = placed ? keyReply.high() : 0;
    this.replyLow = placed ? keyReply.low() : 0;
    this.replyWide = placed ? keyReply.wide() : null;
    this.replyHash = placed ? keyReply.hashCode() : 0;
    this.sinceMillis = now;
  }

  /** The flow's identity, rebuilt. */
  FlowId id() {
    return new FlowId(agent, zone, originalTuple());
  }

  /** What the agent reported, rebuilt: equal to the spec the flow was made from. */
  FlowSpec spec() {
    Tuple to = originalTuple();
    Tuple tr = new Tuple(address(2), address(3), protocol & 0xff, replySourcePort, replyDestinationPort);
    return new FlowSpec(new FlowId(agent, zone, to), conntrackId,
        new Direction(to, originalIngress, originalEgress, originalSourceMac, originalDestinationMac,
            originalIngressVlan, originalEgressVlan),
        new Direction(tr, replyIngress, replyEgress, replySourceMac, replyDestinationMac, replyIngressVlan,
            replyEgressVlan));
  }

  String agent() {
    return agent;
  }

  /** {@link FlowId#hashCode()} of this flow's id, without building it. */
  int idHash() {
    return idHash;
  }

  /** Whether {@code id} is this flow's identity. */
  boolean isId(FlowId id) {
    Tuple t = id.original();
    return id.hashCode() == idHash && zone == id.zone() && protocol == (byte) t.protocol()
        && originalSourcePort == t.sourcePort() && originalDestinationPort == t.destinationPort()
        && agent.equals(id.agent()) && isAddress(0, t.source()) && isAddress(1, t.destination());
  }

  private Tuple originalTuple() {
    return new Tuple(address(0), address(1), protocol & 0xff, originalSourcePort, originalDestinationPort);
  }

  /** Address {@code i}: original source, original destination, reply source, reply destination. */
  private InetAddress address(int i) {
    try {
      if (wide != null) {
        return InetAddress.getByAddress(Arrays.copyOfRange(wide, 16 * i, 16 * i + 16));
      }
      int a = switch (i) {
        case 0 -> originalSource;
        case 1 -> originalDestination;
        case 2 -> replySource;
        default -> replyDestination;
      };
      return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // only thrown for a length other than 4 or 16
    }
  }

  private boolean isAddress(int i, InetAddress a) {
    if ((wide == null) != (a instanceof Inet4Address)) {
      return false;
    }
    if (wide == null) {
      return v4(a) == (i == 0 ? originalSource : originalDestination);
    }
    return Arrays.equals(wide, 16 * i, 16 * i + 16, a.getAddress(), 0, 16);
  }

  private static int v4(InetAddress a) {
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  int keyHash(boolean reply) {
    return reply ? replyHash : originalHash;
  }

  /** Whether {@code k} is the key of this flow's original or reply entry. */
  boolean hasKey(boolean reply, EntryKey k) {
    return placed && k.hashCode() == keyHash(reply)
        && (reply ? k.is(replyHigh, replyLow, replyWide) : k.is(originalHigh, originalLow, originalWide));
  }
}
