package org.nftoffload.softswitch.pipeline;

/**
 * The Internet checksum arithmetic of the pipeline: the IPv4 header checksum (verified on receipt, recomputed
 * after a TTL change) and the one's complement sums the TCP/UDP checksum after NAT is recomputed from, in full as
 * the P4 deparser does.
 */
public final class Checksums {

  private Checksums() {}

  /** The one's complement sum folded to 16 bits of {@code length} bytes from {@code offset}. */
  static int sum(byte[] b, int offset, int length) {
    long sum = 0;
    int end = offset + length;
    int i = offset;
    for (; i + 1 < end; i += 2) {
      sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }
    if (i < end) {
      sum += (b[i] & 0xff) << 8;
    }
    return fold(sum);
  }

  static int fold(long sum) {
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) sum;
  }

  /** Recomputes the checksum of the IPv4 header at {@code offset} with {@code headerLength} bytes. */
  public static void rewriteIpv4HeaderChecksum(byte[] b, int offset, int headerLength) {
    Frames.put16(b, offset + 10, 0);
    Frames.put16(b, offset + 10, ~sum(b, offset, headerLength) & 0xffff);
  }

  /** True if the IPv4 header at {@code offset} carries a correct checksum. */
  public static boolean ipv4HeaderChecksumOk(byte[] b, int offset, int headerLength) {
    return sum(b, offset, headerLength) == 0xffff;
  }

  /**
   * The TCP or UDP checksum a receiver computes over the segment at {@code l4Offset}: 0xffff when correct. For
   * tests and diagnostics; the pipeline itself only updates checksums incrementally.
   */
  public static int verifyL4(byte[] b, int l3Offset, boolean ipv6, int l4Offset, int l4Length, int protocol) {
    long sum = 0;
    if (ipv6) {
      sum += sum(b, l3Offset + 8, 32);
    } else {
      sum += sum(b, l3Offset + 12, 8);
    }
    sum += protocol;
    sum += l4Length;
    sum += sum(b, l4Offset, l4Length);
    return fold(sum);
  }
}
