package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.Acl;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtableP4.FlowV6;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/** Entries written from raw values are byte for byte the canonical form of the same entry built as PI objects. */
class ExactEntryEncoderTest {

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes
  }

  private final ExactEntryEncoder encoder = ExactEntryEncoder.of(TestP4Info.get());
  private final WriteRequestEncoder reference = new WriteRequestEncoder(TestP4Info.index());

  static IntStream seeds() {
    return IntStream.range(0, 30);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void sameBytesAsTheCanonicalFormOfThePiEntry(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    for (int n = 0; n < 50; n++) {
      FlowtableP4.Table table = r.nextBoolean() ? FlowV4.TABLE : FlowV6.TABLE;
      FlowtableP4.Action action = table.actions().get(r.nextInt(table.actions().size()));
      ExactEntryEncoder.Shape shape = encoder.shape(table.id(), action.id());
      long[] keyLongs = new long[shape.keyCount()];
      byte[][] keyBytes = new byte[shape.keyCount()][];
      long[] paramLongs = new long[shape.paramCount()];
      byte[][] paramBytes = new byte[shape.paramCount()][];
      // fields listed in an order of their own: the encoder must put them in P4Info order
      PiMatchKey.Builder key = PiMatchKey.builder();
      for (FlowtableP4.MatchField f : table.key()) {
        byte[] v = FlowEntries.randomValue(r, f.bitWidth()).asArray();
        key.addFieldMatch(new PiExactFieldMatch(f.id(), ImmutableByteSequence.copyFrom(v)));
        give(r, v, f.bitWidth(), shape.keyPosition(f.id()), keyLongs, keyBytes);
      }
      PiAction.Builder a = PiAction.builder().withId(action.id());
      for (FlowtableP4.Param p : action.params()) {
        byte[] v = FlowEntries.randomValue(r, p.bitWidth()).asArray();
        a.withParameter(new PiActionParam(p.id(), ImmutableByteSequence.copyFrom(v)));
        give(r, v, p.bitWidth(), shape.paramPosition(p.id()), paramLongs, paramBytes);
      }
      PiTableEntry.Builder pi = PiTableEntry.builder().forTable(table.id()).withMatchKey(key.build())
          .withAction(a.build());
      long ns = 0;
      if (r.nextBoolean()) {
        double seconds = r.nextInt(1, 3_600_000) / 1000.0;
        pi.withTimeout(seconds);
        ns = Math.round(seconds * 1e9);
      }
      assertArrayEquals(reference.encodeEntry(pi.build()),
          shape.encode(keyLongs, keyBytes, paramLongs, paramBytes, ns), "seed " + seed + " entry " + n);
    }
  }

  /** A value as its bytes or, when it fits a long, sometimes as the number. */
  private static void give(SplittableRandom r, byte[] v, int bits, int at, long[] longs, byte[][] bytes) {
    if (bits < 64 && r.nextBoolean()) {
      longs[at] = new java.math.BigInteger(1, v).longValueExact();
    } else {
      bytes[at] = v;
    }
  }

  @Test
  void refusesValuesWiderThanTheirFieldAndShapesThePipelineLacks() {
    ExactEntryEncoder.Shape shape = encoder.shape(FlowV4.TABLE.id(), FlowV4.FORWARD.id());
    long[] keyLongs = new long[shape.keyCount()];
    byte[][] keyBytes = new byte[shape.keyCount()][];
    long[] paramLongs = new long[shape.paramCount()];
    byte[][] paramBytes = new byte[shape.paramCount()][];
    keyLongs[shape.keyPosition(FlowV4.INGRESS_PORT.id())] = 512; // 9 bits
    IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
        () -> shape.encode(keyLongs, keyBytes, paramLongs, paramBytes, 0));
    assertTrue(wide.getMessage().contains("ingress_port"), wide.getMessage());
    keyLongs[shape.keyPosition(FlowV4.INGRESS_PORT.id())] = 511;
    keyBytes[shape.keyPosition(FlowV4.IPV4_SRC.id())] = new byte[] {1, 10, 0, 0, 1}; // 33 bits
    assertThrows(IllegalArgumentException.class, () -> shape.encode(keyLongs, keyBytes, paramLongs, paramBytes, 0));
    keyBytes[shape.keyPosition(FlowV4.IPV4_SRC.id())] = new byte[] {0, 10, 0, 0, 1}; // padding is fine
    shape.encode(keyLongs, keyBytes, paramLongs, paramBytes, 0);
    assertThrows(IllegalArgumentException.class, () -> shape.encode(keyLongs, keyBytes, paramLongs, paramBytes, -1));

    assertThrows(IllegalArgumentException.class, () -> encoder.shape(Acl.TABLE.id(), Acl.PERMIT.id()),
        "ternary table");
    assertThrows(IllegalArgumentException.class, () -> encoder.shape(FlowV4.TABLE.id(), FlowV6.FORWARD.id()),
        "action of another table");
    assertThrows(IllegalArgumentException.class, () -> shape.keyPosition(FlowV6.IPV6_SRC.id()));
  }
}
