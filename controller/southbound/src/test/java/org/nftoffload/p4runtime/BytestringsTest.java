package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.onlab.util.ImmutableByteSequence;

class BytestringsTest {

  private static ImmutableByteSequence bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return ImmutableByteSequence.copyFrom(out);
  }

  @Test
  void stripsLeadingZeroBytes() throws Exception {
    assertEquals(ByteString.copyFrom(new byte[] {1, 2}), Bytestrings.encode(bytes(0, 0, 1, 2), 32, "f"));
  }

  @Test
  void zeroIsOneZeroByte() throws Exception {
    assertEquals(ByteString.copyFrom(new byte[] {0}), Bytestrings.encode(bytes(0, 0, 0, 0), 32, "f"));
  }

  @Test
  void refusesValuesWiderThanTheField() {
    // 9-bit port: 0x1ff fits, 0x200 does not.
    assertThrows(CodecException.class, () -> Bytestrings.encode(bytes(0x02, 0x00), 9, "port"));
    assertThrows(CodecException.class, () -> Bytestrings.encode(bytes(1, 0, 0), 16, "l4"));
    CodecException e = assertThrows(CodecException.class, () -> Bytestrings.encode(bytes(0x10), 4, "nibble"));
    assertTrue(e.getMessage().contains("nibble") && e.getMessage().contains("4 bits"), e.getMessage());
  }

  @Test
  void acceptsTheWidestValue() throws Exception {
    assertEquals(ByteString.copyFrom(new byte[] {1, (byte) 0xff}), Bytestrings.encode(bytes(0x01, 0xff), 9, "port"));
  }

  @Test
  void refusesEmptyValues() {
    // ONOS cannot even build an empty sequence; an empty bytestring on the wire is refused.
    assertThrows(CodecException.class, () -> Bytestrings.decode(ByteString.EMPTY, 8, "f"));
  }

  @Test
  void decodeWidensToFieldWidth() throws Exception {
    assertArrayEquals(new byte[] {0, 5}, Bytestrings.decode(ByteString.copyFrom(new byte[] {5}), 9, "f").asArray());
    assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 1},
        Bytestrings.decode(ByteString.copyFrom(new byte[] {0, 0, 1}), 48, "f").asArray());
    assertThrows(CodecException.class, () -> Bytestrings.decode(ByteString.copyFrom(new byte[] {4, 0}), 9, "f"));
  }
}
