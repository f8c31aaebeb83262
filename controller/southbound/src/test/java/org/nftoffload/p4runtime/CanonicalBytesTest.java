package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.Acl;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import p4.v1.P4RuntimeOuterClass.TableEntry;

/**
 * An entry's canonical bytes are the builder codec's serialised entry, decode back to the canonical PI entry (what
 * the protobuf round trip gave), and their key prefix and priority are P4Runtime's key.
 */
class CanonicalBytesTest {

  private final P4InfoIndex index = TestP4Info.index();
  private final WriteRequestEncoder encoder = new WriteRequestEncoder(index);

  static IntStream seeds() {
    return IntStream.range(0, 40);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void bytesAreTheCodecsAndDecodeToTheCanonicalEntry(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 50; i++) {
      PiTableEntry e = r.nextInt(5) == 0 ? acl(r.nextInt(1, 1000), r.nextInt(256)) : FlowEntries.randomFlowV4(r);
      TableEntry proto = TableEntryCodec.encode(e, index);
      byte[] bytes = encoder.encodeEntry(e);
      assertArrayEquals(proto.toByteArray(), bytes, "seed " + seed + " entry " + i);
      PiTableEntry canonical = TableEntryCodec.decode(proto, index);
      assertEquals(canonical, TableEntryCodec.decode(TableEntry.parseFrom(bytes), index));
      assertArrayEquals(bytes, encoder.encodeEntry(canonical), "canonical bytes are a fixed point");

      TableEntry keyOnly = TableEntry.newBuilder().setTableId(proto.getTableId())
          .addAllMatch(proto.getMatchList()).build();
      assertEquals(keyOnly.getSerializedSize(), EntryWire.keyLength(bytes));
      assertEquals(e.priority().orElse(0), EntryWire.priority(bytes));
    }
  }

  @Test
  void sameKeyOtherActionSharesTheKeyPrefix() throws Exception {
    PiTableEntry a = FlowEntries.flowV4(7, 1);
    PiTableEntry b = FlowEntries.flowV4(7, 2);
    byte[] ab = encoder.encodeEntry(a);
    byte[] bb = encoder.encodeEntry(b);
    assertFalse(Arrays.equals(ab, bb));
    int n = EntryWire.keyLength(ab);
    assertEquals(n, EntryWire.keyLength(bb));
    assertArrayEquals(Arrays.copyOf(ab, n), Arrays.copyOf(bb, n));
    byte[] other = encoder.encodeEntry(FlowEntries.flowV4(8, 1));
    assertFalse(Arrays.equals(ab, 0, n, other, 0, EntryWire.keyLength(other)));
  }

  @Test
  void refusesWhatTheCodecRefuses() {
    PiTableEntry ok = FlowEntries.flowV4(0, 1);
    PiTableEntry bad = PiTableEntry.builder().forTable(ok.table()).withMatchKey(ok.matchKey())
        .withAction(PiAction.builder().withId(FlowV4.FORWARD.id())
            .withParameter(new PiActionParam(FlowtableP4.PORT.id(), ImmutableByteSequence.copyFrom((short) 600)))
            .withParameter(new PiActionParam(FlowtableP4.SMAC.id(), ImmutableByteSequence.ofZeros(6)))
            .withParameter(new PiActionParam(FlowtableP4.DMAC.id(), ImmutableByteSequence.ofZeros(6))).build())
        .build();
    CodecException ours = assertThrows(CodecException.class, () -> encoder.encodeEntry(bad));
    CodecException ref = assertThrows(CodecException.class, () -> TableEntryCodec.encode(bad, index));
    assertEquals(ref.getMessage(), ours.getMessage());
  }

  @Test
  void truncatedBytesAreRefused() throws Exception {
    byte[] bytes = encoder.encodeEntry(FlowEntries.flowV4(3, 1));
    assertThrows(IllegalArgumentException.class, () -> EntryWire.keyLength(Arrays.copyOf(bytes, 10)));
  }

  private static PiTableEntry acl(int priority, int proto) {
    return PiTableEntry.builder().forTable(Acl.TABLE.id()).withPriority(priority)
        .withMatchKey(PiMatchKey.builder().addFieldMatch(new PiTernaryFieldMatch(Acl.IP_PROTO.id(),
            ImmutableByteSequence.copyFrom((byte) proto), ImmutableByteSequence.copyFrom((byte) 0xff))).build())
        .withAction(PiAction.builder().withId(Acl.PUNT.id()).build()).build();
  }
}
