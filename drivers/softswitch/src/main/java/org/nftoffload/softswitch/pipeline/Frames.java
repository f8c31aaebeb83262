package org.nftoffload.softswitch.pipeline;

/**
 * Big-endian field access on raw frames and the header constants the flowtable parser knows (Ethernet, one
 * 802.1Q tag, IPv4, IPv6, TCP, UDP).
 */
public final class Frames {

  private Frames() {}

  public static final int ETH_HEADER = 14;
  public static final int VLAN_TAG = 4;
  public static final int ETHERTYPE_VLAN = 0x8100;
  public static final int ETHERTYPE_IPV4 = 0x0800;
  public static final int ETHERTYPE_IPV6 = 0x86dd;
  public static final int PROTO_TCP = 6;
  public static final int PROTO_UDP = 17;
  public static final int IPV6_HEADER = 40;
  public static final int TCP_FIN = 0x01;
  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;

  public static int get16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  public static void put16(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 8);
    b[i + 1] = (byte) v;
  }

  public static int get32(byte[] b, int i) {
    return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
  }

  public static void put32(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 24);
    b[i + 1] = (byte) (v >>> 16);
    b[i + 2] = (byte) (v >>> 8);
    b[i + 3] = (byte) v;
  }

  public static long get48(byte[] b, int i) {
    return ((long) get16(b, i) << 32) | (get32(b, i + 2) & 0xffffffffL);
  }

  public static void put48(byte[] b, int i, long v) {
    put16(b, i, (int) (v >>> 32));
    put32(b, i + 2, (int) v);
  }

  public static long get64(byte[] b, int i) {
    return ((long) get32(b, i) << 32) | (get32(b, i + 4) & 0xffffffffL);
  }

  public static void put64(byte[] b, int i, long v) {
    put32(b, i, (int) (v >>> 32));
    put32(b, i + 4, (int) v);
  }
}
