package org.nftoffload.p4runtime;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import org.onlab.util.ImmutableByteSequence;

/**
 * P4Runtime's canonical binary strings (spec section "Bytestrings"): a {@code bit<W>} value travels as the shortest
 * big-endian byte string that holds it, with no leading zero bytes; zero is one zero byte. Values wider than their
 * field are refused, never truncated. Read back, values are widened to the field's byte width so that a decoded
 * entry equals the canonical form of the one that was written.
 */
final class Bytestrings {

  private Bytestrings() {}

  /** Bytes needed for a field of {@code bitWidth} bits. */
  static int byteWidth(int bitWidth) {
    return (bitWidth + 7) / 8;
  }

  /**
   * Index of the first byte of the canonical form of {@code buf} (between position and limit), after checking it
   * fits {@code bitWidth}. Reads absolutely, so no copy is made.
   */
  static int canonicalStart(ByteBuffer buf, int bitWidth, String what) throws CodecException {
    int start = buf.position();
    int end = buf.limit();
    if (start == end) {
      throw new CodecException(what + ": empty value");
    }
    while (start < end - 1 && buf.get(start) == 0) {
      start++;
    }
    int len = end - start;
    int maxLen = byteWidth(bitWidth);
    int topBits = bitWidth % 8;
    if (len > maxLen || (len == maxLen && topBits != 0 && (buf.get(start) & 0xff) >>> topBits != 0)) {
      throw new CodecException(what + ": value 0x" + hex(buf) + " does not fit in " + bitWidth + " bits");
    }
    return start;
  }

  /** The canonical bytestring of {@code value} for a field of {@code bitWidth} bits. */
  static ByteString encode(ImmutableByteSequence value, int bitWidth, String what) throws CodecException {
    ByteBuffer buf = value.asReadOnlyBuffer();
    int start = canonicalStart(buf, bitWidth, what);
    return ByteString.copyFrom(buf.position(start));
  }

  /** A received bytestring widened to the field's byte width; refuses values wider than the field. */
  static ImmutableByteSequence decode(ByteString bytes, int bitWidth, String what) throws CodecException {
    ByteBuffer buf = bytes.asReadOnlyByteBuffer();
    int start = canonicalStart(buf, bitWidth, what);
    int len = buf.limit() - start;
    byte[] out = new byte[byteWidth(bitWidth)];
    buf.position(start).get(out, out.length - len, len);
    return ImmutableByteSequence.copyFrom(out);
  }

  /** True when every byte of {@code value} is zero (a ternary mask that matches anything). */
  static boolean isZero(ImmutableByteSequence value) {
    ByteBuffer buf = value.asReadOnlyBuffer();
    for (int i = buf.position(); i < buf.limit(); i++) {
      if (buf.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static String hex(ByteBuffer buf) {
    StringBuilder sb = new StringBuilder();
    for (int i = buf.position(); i < buf.limit(); i++) {
      sb.append(String.format("%02x", buf.get(i) & 0xff));
    }
    return sb.toString();
  }
}
