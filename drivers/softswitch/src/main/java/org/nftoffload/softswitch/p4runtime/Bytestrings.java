package org.nftoffload.softswitch.p4runtime;

import com.google.protobuf.ByteString;

/**
 * P4Runtime binary strings (spec section "Bytestrings"): unsigned big-endian values of a known bit width. The
 * server accepts any length whose value fits the width (leading zero bytes are allowed on input), refuses the
 * empty string and values wider than the field with INVALID_ARGUMENT, and writes the canonical form: the shortest
 * string, at least one byte.
 */
public final class Bytestrings {

  private Bytestrings() {}

  /** The value of a field of at most 64 bits. */
  public static long toLong(ByteString bytes, int bitWidth, String what) throws P4RuntimeException {
    byte[] b = checked(bytes, bitWidth, what);
    long v = 0;
    for (byte x : b) {
      v = (v << 8) | (x & 0xff);
    }
    return v;
  }

  /** The value of a field as exactly {@code ceil(bitWidth/8)} bytes. */
  public static byte[] toFixed(ByteString bytes, int bitWidth, String what) throws P4RuntimeException {
    byte[] b = checked(bytes, bitWidth, what);
    int n = (bitWidth + 7) / 8;
    byte[] out = new byte[n];
    System.arraycopy(b, 0, out, n - b.length, b.length);
    return out;
  }

  /** The canonical form of a value. */
  public static ByteString canonical(long value) {
    int n = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 7) / 8);
    byte[] b = new byte[n];
    for (int i = n - 1; i >= 0; i--) {
      b[i] = (byte) value;
      value >>>= 8;
    }
    return ByteString.copyFrom(b);
  }

  /** The canonical form of a big-endian byte string. */
  public static ByteString canonical(ByteString bytes) {
    int i = 0;
    while (i < bytes.size() - 1 && bytes.byteAt(i) == 0) {
      i++;
    }
    return bytes.substring(i);
  }

  /** True if every bit of the value is 0. */
  static boolean isZero(ByteString bytes) {
    for (int i = 0; i < bytes.size(); i++) {
      if (bytes.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** A value with every bit of {@code bitWidth} set, canonical. */
  static ByteString allOnes(int bitWidth) {
    int n = (bitWidth + 7) / 8;
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) 0xff);
    int extra = n * 8 - bitWidth;
    b[0] = (byte) (0xff >>> extra);
    return ByteString.copyFrom(b);
  }

  private static byte[] checked(ByteString bytes, int bitWidth, String what) throws P4RuntimeException {
    if (bytes.isEmpty()) {
      throw P4RuntimeException.invalid(what + ": empty bytestring");
    }
    ByteString c = canonical(bytes);
    int bits = c.size() * 8 - Integer.numberOfLeadingZeros(c.byteAt(0) & 0xff) + 24;
    if (bits > bitWidth) {
      throw P4RuntimeException.invalid(what + ": value 0x" + hex(c) + " does not fit in " + bitWidth + " bits");
    }
    return c.toByteArray();
  }

  static String hex(ByteString b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < b.size(); i++) {
      s.append(String.format("%02x", b.byteAt(i) & 0xff));
    }
    return s.toString();
  }
}
