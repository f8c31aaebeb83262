package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import p4.v1.P4RuntimeOuterClass.TableEntry;

class TableEntryCodecTest {

  private final P4InfoIndex index = TestP4Info.index();

  static IntStream seeds() {
    return IntStream.range(0, 50);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void randomFlowEntriesSurviveARoundTripInCanonicalForm(int seed) throws Exception {
    PiTableEntry e = FlowEntries.randomFlowV4(new SplittableRandom(seed));
    TableEntry wire = TableEntryCodec.encode(e, index);
    for (var m : wire.getMatchList()) {
      var v = m.getExact().getValue();
      assertTrue(v.size() == 1 || v.byteAt(0) != 0, "canonical: no leading zero byte in " + m);
    }
    PiTableEntry back = TableEntryCodec.decode(wire, index);
    // Decoding the wire form is stable: encoding the decoded entry gives the same message.
    assertEquals(wire, TableEntryCodec.encode(back, index));
    assertEquals(e.action().type(), back.action().type());
    assertEquals(e.timeout(), back.timeout());
    assertEquals(e.cookie(), back.cookie());
  }

  @Test
  void keyFieldsGoInP4InfoOrderWithTheirIds() throws Exception {
    TableEntry wire = TableEntryCodec.encode(FlowEntries.flowV4(5, 3), index);
    var table = index.table(FlowV4.TABLE.id().id());
    assertEquals(table.id(), wire.getTableId());
    for (int i = 0; i < table.key().size(); i++) {
      assertEquals(table.key().get(i).id(), wire.getMatch(i).getFieldId());
    }
    assertEquals(index.action(FlowV4.FORWARD.id().id()).id(), wire.getAction().getAction().getActionId());
    assertEquals(0, wire.getPriority());
  }

  @Test
  void refusesAMissingExactField() {
    PiTableEntry e = PiTableEntry.builder().forTable(FlowV4.TABLE.id())
        .withMatchKey(PiMatchKey.builder().addFieldMatch(new PiExactFieldMatch(FlowV4.IP_PROTO.id(),
            ImmutableByteSequence.copyFrom((byte) 6))).build())
        .withAction(FlowEntries.flowV4(0, 1).action()).build();
    CodecException ex = assertThrows(CodecException.class, () -> TableEntryCodec.encode(e, index));
    assertTrue(ex.getMessage().contains("ingress_port") && ex.getMessage().contains("flow_v4"), ex.getMessage());
  }

  @Test
  void refusesAParameterWiderThanDeclared() {
    PiTableEntry ok = FlowEntries.flowV4(0, 1);
    PiTableEntry e = PiTableEntry.builder().forTable(ok.table()).withMatchKey(ok.matchKey())
        .withAction(PiAction.builder().withId(FlowV4.FORWARD.id())
            .withParameter(new PiActionParam(FlowtableP4.PORT.id(), ImmutableByteSequence.copyFrom((short) 512)))
            .withParameter(new PiActionParam(FlowtableP4.SMAC.id(), ImmutableByteSequence.ofZeros(6)))
            .withParameter(new PiActionParam(FlowtableP4.DMAC.id(), ImmutableByteSequence.ofZeros(6))).build())
        .build();
    CodecException ex = assertThrows(CodecException.class, () -> TableEntryCodec.encode(e, index));
    assertTrue(ex.getMessage().contains("'port'") && ex.getMessage().contains("9 bits"), ex.getMessage());
  }

  @Test
  void refusesAMissingParameterAndAForeignAction() {
    PiTableEntry ok = FlowEntries.flowV4(0, 1);
    PiTableEntry missing = PiTableEntry.builder().forTable(ok.table()).withMatchKey(ok.matchKey())
        .withAction(PiAction.builder().withId(FlowV4.FORWARD.id())
            .withParameter(new PiActionParam(FlowtableP4.PORT.id(), ImmutableByteSequence.copyFrom((short) 1)))
            .build()).build();
    assertTrue(assertThrows(CodecException.class, () -> TableEntryCodec.encode(missing, index)).getMessage()
        .contains("missing parameter 'smac'"));
    PiTableEntry foreign = PiTableEntry.builder().forTable(ok.table()).withMatchKey(ok.matchKey())
        .withAction(PiAction.builder().withId(Acl.DROP.id()).build()).build();
    assertTrue(assertThrows(CodecException.class, () -> TableEntryCodec.encode(foreign, index)).getMessage()
        .contains("not an action of this table"));
  }

  @Test
  void refusesUnknownTablesAndFields() {
    PiTableEntry e = PiTableEntry.builder().forTable(PiTableId.of("Nope.table")).withMatchKey(PiMatchKey.EMPTY)
        .build();
    assertThrows(CodecException.class, () -> TableEntryCodec.encode(e, index));
    PiTableEntry ok = FlowEntries.flowV4(0, 1);
    PiTableEntry extra = PiTableEntry.builder().forTable(ok.table()).withMatchKey(PiMatchKey.builder()
        .addFieldMatches(ok.matchKey().fieldMatches()).addFieldMatch(new PiExactFieldMatch(PiMatchFieldId.of("bogus"),
            ImmutableByteSequence.copyFrom((byte) 1))).build()).withAction(ok.action()).build();
    assertTrue(assertThrows(CodecException.class, () -> TableEntryCodec.encode(extra, index)).getMessage()
        .contains("unknown key field 'bogus'"));
  }

  @Test
  void aclWildcardsAreOmittedAndPriorityIsRequired() throws Exception {
    PiMatchKey key = PiMatchKey.builder()
        .addFieldMatch(new PiTernaryFieldMatch(Acl.IP_PROTO.id(), ImmutableByteSequence.copyFrom((byte) 17),
            ImmutableByteSequence.copyFrom((byte) 0xff)))
        .addFieldMatch(new PiTernaryFieldMatch(Acl.IPV4_SRC.id(), ImmutableByteSequence.ofZeros(4),
            ImmutableByteSequence.ofZeros(4)))
        .addFieldMatch(new PiRangeFieldMatch(Acl.L4_DPORT.id(), ImmutableByteSequence.copyFrom((short) 53),
            ImmutableByteSequence.copyFrom((short) 53)))
        .addFieldMatch(new PiRangeFieldMatch(Acl.L4_SPORT.id(), ImmutableByteSequence.copyFrom((short) 0),
            ImmutableByteSequence.copyFrom((short) 0xffff)))
        .build();
    PiTableEntry noPriority = PiTableEntry.builder().forTable(Acl.TABLE.id()).withMatchKey(key)
        .withAction(PiAction.builder().withId(Acl.DROP.id()).build()).build();
    assertTrue(assertThrows(CodecException.class, () -> TableEntryCodec.encode(noPriority, index)).getMessage()
        .contains("priority"));
    PiTableEntry e = PiTableEntry.builder().forTable(Acl.TABLE.id()).withMatchKey(key).withPriority(10)
        .withAction(PiAction.builder().withId(Acl.DROP.id()).build()).build();
    TableEntry wire = TableEntryCodec.encode(e, index);
    assertEquals(2, wire.getMatchCount(), "zero-mask ternary and full range are omitted: " + wire);
    assertEquals(10, wire.getPriority());
    assertFalse(wire.getMatchList().stream().anyMatch(m -> m.hasRange() && m.getRange().getLow().isEmpty()));
  }

  @Test
  void refusesTernaryValueBitsOutsideTheMask() {
    PiTableEntry e = PiTableEntry.builder().forTable(Acl.TABLE.id()).withPriority(1)
        .withMatchKey(PiMatchKey.builder().addFieldMatch(new PiTernaryFieldMatch(Acl.IPV4_DST.id(),
            ImmutableByteSequence.copyFrom(0x0a000001), ImmutableByteSequence.copyFrom(0xffffff00))).build())
        .withAction(PiAction.builder().withId(Acl.DROP.id()).build()).build();
    assertTrue(assertThrows(CodecException.class, () -> TableEntryCodec.encode(e, index)).getMessage()
        .contains("outside the mask"));
  }

  @Test
  void readBackCarriesDirectCounterData() throws Exception {
    TableEntry wire = TableEntryCodec.encode(FlowEntries.flowV4(1, 1), index).toBuilder()
        .setCounterData(p4.v1.P4RuntimeOuterClass.CounterData.newBuilder().setPacketCount(3).setByteCount(300))
        .build();
    PiTableEntry back = TableEntryCodec.decode(wire, index);
    assertEquals(3, back.counter().packets());
    assertEquals(300, back.counter().bytes());
  }
}
