package org.nftoffload.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.SplittableRandom;

/** Flows and port maps for tests: a LAN host masqueraded behind a WAN port, and plain routed variants. */
final class Flows {

  static final long ROUTER_LAN_MAC = 0x02_00_00_00_01_02L;
  static final long ROUTER_WAN_MAC = 0x02_00_00_00_01_01L;
  static final long HOST_MAC = 0x02_00_00_00_00_0aL;
  static final long GATEWAY_MAC = 0x02_00_00_00_00_feL;

  private Flows() {}

  static PortMap ports() {
    return new PortMap(Map.of(
        "wan0", new PortMap.Port("sw0", 1), "lan0", new PortMap.Port("sw0", 2),
        "lan1", new PortMap.Port("sw0", 3), "far0", new PortMap.Port("sw1", 7)));
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** TCP from 192.168.1.{n}:40000+n to 203.0.113.5:443 via lan0→wan0, masqueraded to 198.51.100.1:(20000+n). */
  static FlowSpec masqueraded(String agent, int n) {
    Tuple orig = new Tuple(ip("192.168.1." + (n % 250 + 1)), ip("203.0.113.5"), 6, 40000 + n / 250, 443);
    Tuple reply = new Tuple(ip("203.0.113.5"), ip("198.51.100.1"), 6, 443, 20000 + n);
    return new FlowSpec(new FlowId(agent, 0, orig), 1000 + n,
        new Direction(orig, "lan0", "wan0", ROUTER_WAN_MAC, GATEWAY_MAC, 0, 0),
        new Direction(reply, "wan0", "lan0", ROUTER_LAN_MAC, HOST_MAC, 0, 0));
  }

  /** The same connection without NAT, between two LANs, optionally tagged on egress of the original direction. */
  static FlowSpec routed(String agent, int n, String in, String out, int egressVlan) {
    Tuple orig = new Tuple(ip("10.0.1." + (n % 250 + 1)), ip("10.0.2.9"), 17, 5000 + n, 53);
    return new FlowSpec(new FlowId(agent, 0, orig), 5000 + n,
        new Direction(orig, in, out, ROUTER_LAN_MAC, HOST_MAC, 0, egressVlan),
        new Direction(orig.reversed(), out, in, ROUTER_LAN_MAC, HOST_MAC, egressVlan, 0));
  }

  /**
   * A flow drawn at random: IPv4 or IPv6, with or without NAT, any protocol, ports, interfaces, MACs and VLANs, zone
   * and agent from small sets (so that identities repeat when many are drawn).
   */
  static FlowSpec random(SplittableRandom r) {
    boolean v4 = r.nextInt(3) > 0;
    Tuple orig = new Tuple(address(r, v4), address(r, v4), r.nextBoolean() ? 6 : r.nextInt(256), r.nextInt(65536),
        r.nextInt(65536));
    // NAT: some other tuple back; none: the original reversed
    Tuple reply = r.nextBoolean() ? orig.reversed()
        : new Tuple(address(r, v4), address(r, v4), orig.protocol(), r.nextInt(65536), r.nextInt(65536));
    String[] ifs = {"wan0", "lan0", "lan1"};
    String in = ifs[r.nextInt(3)];
    String out = ifs[r.nextInt(3)];
    int vlanIn = r.nextInt(3) == 0 ? r.nextInt(1, 4095) : 0;
    int vlanOut = r.nextInt(3) == 0 ? r.nextInt(1, 4095) : 0;
    long mac1 = r.nextLong() >>> 16;
    long mac2 = r.nextInt(4) == 0 ? 0 : r.nextLong() >>> 16;
    return new FlowSpec(new FlowId(r.nextBoolean() ? "a" : "b", r.nextInt(3), orig), r.nextLong(1L << 32),
        new Direction(orig, in, out, mac1, mac2, vlanIn, vlanOut),
        new Direction(reply, out, in, mac2, mac1, vlanOut, vlanIn));
  }

  private static InetAddress address(SplittableRandom r, boolean v4) {
    byte[] a = new byte[v4 ? 4 : 16];
    if (r.nextInt(5) > 0) { // sometimes all zero: canonical values drop leading zero bytes
      r.nextBytes(a);
    }
    try {
      return InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
