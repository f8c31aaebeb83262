package org.nftoffload.service;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * An untagged Ethernet / IPv4 / TCP frame as the tests inject it into a switch port and read it back: built with
 * valid IPv4 and TCP checksums, parsed into its fields, with checks that both checksums still hold (a NAT rewrite
 * must recompute them).
 *
 * @param dmac destination MAC, "aa:bb:.."
 * @param smac source MAC
 * @param src IPv4 source
 * @param dst IPv4 destination
 * @param ttl IPv4 TTL
 * @param sport TCP source port
 * @param dport TCP destination port
 * @param flags TCP flags (0x10 = ACK)
 * @param payload TCP payload
 */
record TcpFrame(String dmac, String smac, String src, String dst, int ttl, int sport, int dport, int flags,
    byte[] payload) {

  static final int ACK = 0x10;

  /** An ACK segment carrying {@code payload}, TTL 64. */
  static TcpFrame ack(String smac, String dmac, String src, int sport, String dst, int dport, String payload) {
    return new TcpFrame(dmac, smac, src, dst, 64, sport, dport, ACK, payload.getBytes());
  }

  /** This frame without its payload, to compare headers (a record compares arrays by identity). */
  TcpFrame withoutPayload() {
    return new TcpFrame(dmac, smac, src, dst, ttl, sport, dport, flags, null);
  }

  byte[] bytes() {
    ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + payload.length);
    b.put(mac(dmac)).put(mac(smac)).putShort((short) 0x0800);
    int ip = b.position();
    b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload.length)).putShort((short) 1).putShort((short) 0)
        .put((byte) ttl).put((byte) 6).putShort((short) 0).put(addr(src)).put(addr(dst));
    b.putShort(ip + 10, (short) checksum(b.array(), ip, 20, 0));
    int tcp = b.position();
    b.putShort((short) sport).putShort((short) dport).putInt(1000).putInt(2000).put((byte) 0x50).put((byte) flags)
        .putShort((short) 8192).putShort((short) 0).putShort((short) 0).put(payload);
    b.putShort(tcp + 16, (short) checksum(b.array(), tcp, 20 + payload.length, pseudo(b.array(), ip)));
    return b.array();
  }

  /** Parses a frame built like {@link #bytes()}; fails on anything else. */
  static TcpFrame parse(byte[] f) {
    ByteBuffer b = ByteBuffer.wrap(f);
    if (f.length < 54 || b.getShort(12) != 0x0800 || f[14] != 0x45 || f[23] != 6) {
      throw new AssertionError("not an untagged IPv4/TCP frame without options: " + HexFormat.of().formatHex(f));
    }
    int total = b.getShort(16) & 0xffff;
    byte[] payload = new byte[total - 40];
    System.arraycopy(f, 54, payload, 0, payload.length);
    return new TcpFrame(mac(f, 0), mac(f, 6), ip(f, 26), ip(f, 30), f[22] & 0xff, b.getShort(34) & 0xffff,
        b.getShort(36) & 0xffff, f[47] & 0xff, payload);
  }

  /** Whether the IPv4 header checksum and the TCP checksum of a frame are right. */
  static boolean checksumsHold(byte[] f) {
    int total = ByteBuffer.wrap(f).getShort(16) & 0xffff;
    return checksum(f, 14, 20, 0) == 0 && checksum(f, 34, total - 20, pseudo(f, 14)) == 0;
  }

  private static long pseudo(byte[] f, int ip) {
    long sum = 0;
    for (int i = ip + 12; i < ip + 20; i += 2) {
      sum += ((f[i] & 0xff) << 8) | (f[i + 1] & 0xff);
    }
    int total = ((f[ip + 2] & 0xff) << 8) | (f[ip + 3] & 0xff);
    return sum + 6 + (total - 20);
  }

  private static int checksum(byte[] f, int from, int length, long initial) {
    long sum = initial;
    for (int i = 0; i < length; i += 2) {
      int hi = f[from + i] & 0xff;
      int lo = i + 1 < length ? f[from + i + 1] & 0xff : 0;
      sum += (hi << 8) | lo;
    }
    while ((sum >> 16) != 0) {
      sum = (sum & 0xffff) + (sum >> 16);
    }
    return (int) (~sum & 0xffff);
  }

  private static byte[] mac(String m) {
    return HexFormat.ofDelimiter(":").parseHex(m);
  }

  private static String mac(byte[] f, int at) {
    byte[] m = new byte[6];
    System.arraycopy(f, at, m, 0, 6);
    return HexFormat.ofDelimiter(":").formatHex(m);
  }

  private static byte[] addr(String a) {
    try {
      return InetAddress.getByName(a).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(a, e);
    }
  }

  private static String ip(byte[] f, int at) {
    return (f[at] & 0xff) + "." + (f[at + 1] & 0xff) + "." + (f[at + 2] & 0xff) + "." + (f[at + 3] & 0xff);
  }
}
