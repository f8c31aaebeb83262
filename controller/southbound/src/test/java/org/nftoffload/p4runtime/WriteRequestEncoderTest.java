package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
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

/** The allocation-free encoder writes exactly the bytes the builder codec would, and refuses the same entries. */
class WriteRequestEncoderTest {

  private final P4InfoIndex index = TestP4Info.index();

  static IntStream seeds() {
    return IntStream.range(0, 40);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void sameBytesAsTheBuilderCodec(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    List<TableUpdate> updates = new ArrayList<>();
    int n = 1 + r.nextInt(60);
    for (int i = 0; i < n; i++) {
      PiTableEntry e = r.nextInt(8) == 0 ? acl(r.nextInt(1, 100)) : FlowEntries.randomFlowV4(r);
      UpdateType t = UpdateType.values()[r.nextInt(3)];
      updates.add(new TableUpdate(t, e));
    }
    ElectionId eid = new ElectionId(r.nextInt(3), r.nextLong());
    long device = r.nextInt(3);
    byte[] fast = new WriteRequestEncoder(index).encode(updates, 0, n, device, eid, 0);
    byte[] reference = WriteRequestCodec.encode(updates, device, eid, 0, index).toByteArray();
    assertArrayEquals(reference, fast);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void preEncodedEntriesGiveTheSameRequest(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    List<TableUpdate> updates = new ArrayList<>();
    List<byte[]> canonical = new ArrayList<>();
    WriteRequestEncoder encoder = new WriteRequestEncoder(index);
    int count = 1 + r.nextInt(40);
    for (int i = 0; i < count; i++) {
      PiTableEntry e = r.nextInt(8) == 0 ? acl(r.nextInt(1, 100)) : FlowEntries.randomFlowV4(r);
      updates.add(new TableUpdate(UpdateType.values()[r.nextInt(3)], e));
      canonical.add(r.nextBoolean() ? encoder.encodeEntry(e) : null);
    }
    int n = updates.size();
    assertArrayEquals(WriteRequestCodec.encode(updates, 1, ElectionId.of(3), 0, index).toByteArray(),
        encoder.encode(updates, canonical, 0, n, 1, ElectionId.of(3), 0));
  }

  @Test
  void encodesASubrange() throws Exception {
    List<TableUpdate> updates = FlowEntries.flowV4(10).stream().map(TableUpdate::insert).toList();
    byte[] fast = new WriteRequestEncoder(index).encode(updates, 3, 7, 1, ElectionId.of(5), 0);
    assertArrayEquals(WriteRequestCodec.encode(updates.subList(3, 7), 1, ElectionId.of(5), 0, index).toByteArray(),
        fast);
  }

  @Test
  void refusesWhatTheCodecRefusesWithTheSameMessage() {
    PiTableEntry ok = FlowEntries.flowV4(0, 1);
    PiTableEntry bad = PiTableEntry.builder().forTable(ok.table()).withMatchKey(ok.matchKey())
        .withAction(PiAction.builder().withId(FlowV4.FORWARD.id())
            .withParameter(new PiActionParam(FlowtableP4.PORT.id(), ImmutableByteSequence.copyFrom((short) 600)))
            .withParameter(new PiActionParam(FlowtableP4.SMAC.id(), ImmutableByteSequence.ofZeros(6)))
            .withParameter(new PiActionParam(FlowtableP4.DMAC.id(), ImmutableByteSequence.ofZeros(6))).build())
        .build();
    List<TableUpdate> updates = List.of(TableUpdate.insert(ok), TableUpdate.insert(bad));
    CodecException fast = assertThrows(CodecException.class,
        () -> new WriteRequestEncoder(index).encode(updates, 0, 2, 1, ElectionId.of(1), 0));
    CodecException ref = assertThrows(CodecException.class,
        () -> WriteRequestCodec.encode(updates, 1, ElectionId.of(1), 0, index));
    assertEquals(ref.getMessage(), fast.getMessage());
  }

  private static PiTableEntry acl(int priority) {
    return PiTableEntry.builder().forTable(Acl.TABLE.id()).withPriority(priority)
        .withMatchKey(PiMatchKey.builder().addFieldMatch(new PiTernaryFieldMatch(Acl.IP_PROTO.id(),
            ImmutableByteSequence.copyFrom((byte) 6), ImmutableByteSequence.copyFrom((byte) 0xff))).build())
        .withAction(PiAction.builder().withId(Acl.PUNT.id()).build()).build();
  }
}
