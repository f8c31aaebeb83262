package org.nftoffload.softswitch.pipeline;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Builds real Ethernet frames for tests (Ethernet, optional 802.1Q, IPv4 with optional options or IPv6, TCP or
 * UDP with correct checksums, or ARP) and reads their fields back independently of the pipeline's parser.
 */
public final class TestFrame {

  public long dmac = 0x02_00_00_00_00_02L;
  public long smac = 0x02_00_00_00_00_01L;
  public int vlan = -1;
  int pcp;
  boolean ipv6;
  boolean arp;
  public byte[] src = addr("10.0.0.1");
  public byte[] dst = addr("10.0.0.2");
  public int proto = Frames.PROTO_UDP;
  public int sport = 40000;
  public int dport = 53;
  public int ttl = 64;
  public int tcpFlags = 0x10; // ACK
  int optionWords;
  boolean zeroUdpChecksum;
  int fragment; // the flags + fragment offset word of IPv4
  boolean badIpChecksum;
  public int payload = 32;

  public static TestFrame v4() {
    return new TestFrame();
  }

  public static TestFrame v6() {
    TestFrame f = new TestFrame();
    f.ipv6 = true;
    f.src = addr("2001:db8::1");
    f.dst = addr("2001:db8::2");
    return f;
  }

  public static TestFrame arp() {
    TestFrame f = new TestFrame();
    f.arp = true;
    return f;
  }

  public static byte[] addr(String s) {
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(s, e);
    }
  }

  public TestFrame tcp(int s, int d, int flags) {
    proto = Frames.PROTO_TCP;
    sport = s;
    dport = d;
    tcpFlags = flags;
    return this;
  }

  public TestFrame udp(int s, int d) {
    proto = Frames.PROTO_UDP;
    sport = s;
    dport = d;
    return this;
  }

  public TestFrame proto(int p) {
    proto = p;
    return this;
  }

  public TestFrame src(String s) {
    src = addr(s);
    return this;
  }

  public TestFrame dst(String s) {
    dst = addr(s);
    return this;
  }

  public TestFrame vlan(int id, int priority) {
    vlan = id;
    pcp = priority;
    return this;
  }

  public TestFrame ttl(int t) {
    ttl = t;
    return this;
  }

  public TestFrame options(int words) {
    optionWords = words;
    return this;
  }

  public TestFrame fragment(int flagsAndOffset) {
    fragment = flagsAndOffset;
    return this;
  }

  public TestFrame badIpChecksum() {
    badIpChecksum = true;
    return this;
  }

  public TestFrame noUdpChecksum() {
    zeroUdpChecksum = true;
    return this;
  }

  public TestFrame payload(int n) {
    payload = n;
    return this;
  }

  public byte[] build() {
    int l2 = 14 + (vlan >= 0 ? 4 : 0);
    if (arp) {
      byte[] f = new byte[l2 + 28];
      writeL2(f, 0x0806);
      Frames.put16(f, l2, 1);
      Frames.put16(f, l2 + 2, 0x0800);
      f[l2 + 4] = 6;
      f[l2 + 5] = 4;
      Frames.put16(f, l2 + 6, 1);
      return f;
    }
    int l3len = ipv6 ? 40 : 20 + optionWords * 4;
    int l4len = (proto == Frames.PROTO_TCP ? 20 : proto == Frames.PROTO_UDP ? 8 : 8) + payload;
    byte[] f = new byte[l2 + l3len + l4len];
    writeL2(f, ipv6 ? Frames.ETHERTYPE_IPV6 : Frames.ETHERTYPE_IPV4);
    int l3 = l2;
    int l4 = l3 + l3len;
    if (ipv6) {
      f[l3] = 0x60;
      Frames.put16(f, l3 + 4, l4len);
      f[l3 + 6] = (byte) proto;
      f[l3 + 7] = (byte) ttl;
      System.arraycopy(src, 0, f, l3 + 8, 16);
      System.arraycopy(dst, 0, f, l3 + 24, 16);
    } else {
      f[l3] = (byte) (0x40 | (5 + optionWords));
      Frames.put16(f, l3 + 2, l3len + l4len);
      Frames.put16(f, l3 + 4, 0x1234);
      Frames.put16(f, l3 + 6, fragment);
      f[l3 + 8] = (byte) ttl;
      f[l3 + 9] = (byte) proto;
      System.arraycopy(src, 0, f, l3 + 12, 4);
      System.arraycopy(dst, 0, f, l3 + 16, 4);
      for (int i = 0; i < optionWords * 4; i++) {
        f[l3 + 20 + i] = 1; // NOP options
      }
      Checksums.rewriteIpv4HeaderChecksum(f, l3, l3len);
      if (badIpChecksum) {
        f[l3 + 11] ^= 0x5a;
      }
    }
    for (int i = 0; i < payload; i++) {
      f[f.length - payload + i] = (byte) (i * 7 + 3);
    }
    if (proto == Frames.PROTO_TCP) {
      Frames.put16(f, l4, sport);
      Frames.put16(f, l4 + 2, dport);
      Frames.put32(f, l4 + 4, 1000);
      f[l4 + 12] = 0x50;
      f[l4 + 13] = (byte) tcpFlags;
      Frames.put16(f, l4 + 14, 65535);
      Frames.put16(f, l4 + 16, ~Checksums.verifyL4(f, l3, ipv6, l4, l4len, proto) & 0xffff);
    } else if (proto == Frames.PROTO_UDP) {
      Frames.put16(f, l4, sport);
      Frames.put16(f, l4 + 2, dport);
      Frames.put16(f, l4 + 4, l4len);
      if (!zeroUdpChecksum) {
        int c = ~Checksums.verifyL4(f, l3, ipv6, l4, l4len, proto) & 0xffff;
        Frames.put16(f, l4 + 6, c == 0 ? 0xffff : c);
      }
    } else {
      f[l4] = 8; // ICMP echo request
    }
    return f;
  }

  private void writeL2(byte[] f, int ethType) {
    Frames.put48(f, 0, dmac);
    Frames.put48(f, 6, smac);
    if (vlan >= 0) {
      Frames.put16(f, 12, Frames.ETHERTYPE_VLAN);
      Frames.put16(f, 14, (pcp << 13) | vlan);
      Frames.put16(f, 16, ethType);
    } else {
      Frames.put16(f, 12, ethType);
    }
  }

  /** Reads a frame back: the fields tests assert on, and whether every checksum in it is right. */
  public record Parsed(long dmac, long smac, int vlan, int pcp, int ethType, int ttl, byte[] src, byte[] dst, int sport,
      int dport, int l4Checksum, boolean ipChecksumOk, boolean l4ChecksumOk, byte[] payload) {

    public static Parsed of(byte[] f) {
      int off = 12;
      int vlan = -1;
      int pcp = 0;
      int type = Frames.get16(f, off);
      if (type == Frames.ETHERTYPE_VLAN) {
        vlan = Frames.get16(f, 14) & 0xfff;
        pcp = Frames.get16(f, 14) >>> 13;
        type = Frames.get16(f, 16);
        off = 16;
      }
      int l3 = off + 2;
      boolean v6 = type == Frames.ETHERTYPE_IPV6;
      int ihl = v6 ? 40 : (f[l3] & 0xf) * 4;
      int proto = f[l3 + (v6 ? 6 : 9)] & 0xff;
      int ttl = f[l3 + (v6 ? 7 : 8)] & 0xff;
      int alen = v6 ? 16 : 4;
      int aoff = l3 + (v6 ? 8 : 12);
      int l4 = l3 + ihl;
      int l4len = f.length - l4;
      int csumOffset = proto == Frames.PROTO_TCP ? 16 : 6;
      int csum = Frames.get16(f, l4 + csumOffset);
      boolean l4ok = (proto == Frames.PROTO_UDP && !v6 && csum == 0)
          || Checksums.verifyL4(f, l3, v6, l4, l4len, proto) == 0xffff;
      int headerLen = proto == Frames.PROTO_TCP ? 20 : 8;
      return new Parsed(Frames.get48(f, 0), Frames.get48(f, 6), vlan, pcp, type, ttl,
          Arrays.copyOfRange(f, aoff, aoff + alen), Arrays.copyOfRange(f, aoff + alen, aoff + 2 * alen),
          Frames.get16(f, l4), Frames.get16(f, l4 + 2), csum, v6 || Checksums.ipv4HeaderChecksumOk(f, l3, ihl), l4ok,
          Arrays.copyOfRange(f, l4 + headerLen, f.length));
    }
  }
}
