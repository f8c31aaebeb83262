package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.Acl;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtableP4.FlowV6;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/**
 * Golden tests: the requests the codecs build for representative entries, compared as protobuf text with the
 * checked-in files under {@code src/test/resources/golden}. A change in ids, canonical bytes or field order shows
 * up as a readable diff. Regenerate after an intended change with {@code -Dgolden.update=true} and review the diff.
 */
class GoldenRequestTest {

  private static final boolean UPDATE = Boolean.getBoolean("golden.update");
  private final P4InfoIndex index = TestP4Info.index();

  static {
    FlowtableP4.TABLES.size(); // see FlowEntries: initialise FlowtableP4 before its nested classes
  }

  private static ImmutableByteSequence b(int... bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = (byte) bytes[i];
    }
    return ImmutableByteSequence.copyFrom(out);
  }

  private static PiTableEntry natV4() {
    return PiTableEntry.builder().forTable(FlowV4.TABLE.id())
        .withMatchKey(PiMatchKey.builder()
            .addFieldMatch(new PiExactFieldMatch(FlowV4.INGRESS_PORT.id(), b(0, 1)))
            .addFieldMatch(new PiExactFieldMatch(FlowV4.IP_PROTO.id(), b(17)))
            .addFieldMatch(new PiExactFieldMatch(FlowV4.IPV4_SRC.id(), b(192, 168, 1, 10)))
            .addFieldMatch(new PiExactFieldMatch(FlowV4.IPV4_DST.id(), b(8, 8, 8, 8)))
            .addFieldMatch(new PiExactFieldMatch(FlowV4.L4_SPORT.id(), b(0xc3, 0x50)))
            .addFieldMatch(new PiExactFieldMatch(FlowV4.L4_DPORT.id(), b(0, 53))).build())
        .withAction(PiAction.builder().withId(FlowV4.NAT.id())
            .withParameter(new PiActionParam(FlowtableP4.PORT.id(), b(0, 2)))
            .withParameter(new PiActionParam(FlowtableP4.SMAC.id(), b(0x02, 0, 0, 0, 0, 0x02)))
            .withParameter(new PiActionParam(FlowtableP4.DMAC.id(), b(0x02, 0, 0, 0, 0, 0xfe)))
            .withParameter(new PiActionParam(FlowtableP4.VLAN_ID.id(), b(0, 0)))
            .withParameter(new PiActionParam(FlowV4.NAT_IPV4_SRC.id(), b(203, 0, 113, 7)))
            .withParameter(new PiActionParam(FlowV4.NAT_IPV4_DST.id(), b(8, 8, 8, 8)))
            .withParameter(new PiActionParam(FlowV4.NAT_L4_SPORT.id(), b(0x9c, 0x40)))
            .withParameter(new PiActionParam(FlowV4.NAT_L4_DPORT.id(), b(0, 53))).build())
        .withTimeout(120).build();
  }

  private static PiTableEntry forwardV6() {
    return PiTableEntry.builder().forTable(FlowV6.TABLE.id())
        .withMatchKey(PiMatchKey.builder()
            .addFieldMatch(new PiExactFieldMatch(FlowV6.INGRESS_PORT.id(), b(0, 3)))
            .addFieldMatch(new PiExactFieldMatch(FlowV6.IP_PROTO.id(), b(6)))
            .addFieldMatch(new PiExactFieldMatch(FlowV6.IPV6_SRC.id(),
                b(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)))
            .addFieldMatch(new PiExactFieldMatch(FlowV6.IPV6_DST.id(),
                b(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)))
            .addFieldMatch(new PiExactFieldMatch(FlowV6.L4_SPORT.id(), b(0x01, 0xbb)))
            .addFieldMatch(new PiExactFieldMatch(FlowV6.L4_DPORT.id(), b(0xd4, 0x31))).build())
        .withAction(PiAction.builder().withId(FlowV6.FORWARD_VLAN.id())
            .withParameter(new PiActionParam(FlowtableP4.PORT.id(), b(0, 4)))
            .withParameter(new PiActionParam(FlowtableP4.SMAC.id(), b(0x02, 0, 0, 0, 0, 0x04)))
            .withParameter(new PiActionParam(FlowtableP4.DMAC.id(), b(0x02, 0, 0, 0, 0, 0x40)))
            .withParameter(new PiActionParam(FlowtableP4.VLAN_ID.id(), b(0, 100))).build())
        .build();
  }

  private static PiTableEntry aclDropDns() {
    return PiTableEntry.builder().forTable(Acl.TABLE.id()).withPriority(100)
        .withMatchKey(PiMatchKey.builder()
            .addFieldMatch(new PiTernaryFieldMatch(Acl.ETH_TYPE.id(), b(0x08, 0x00), b(0xff, 0xff)))
            .addFieldMatch(new PiTernaryFieldMatch(Acl.IP_PROTO.id(), b(17), b(0xff)))
            .addFieldMatch(new PiTernaryFieldMatch(Acl.IPV4_SRC.id(), b(10, 0, 0, 0), b(255, 0, 0, 0)))
            .addFieldMatch(new PiTernaryFieldMatch(Acl.IPV4_DST.id(), b(0, 0, 0, 0), b(0, 0, 0, 0)))
            .addFieldMatch(new PiRangeFieldMatch(Acl.L4_DPORT.id(), b(0, 53), b(0, 53)))
            .addFieldMatch(new PiRangeFieldMatch(Acl.L4_SPORT.id(), b(0x04, 0x00), b(0xff, 0xff))).build())
        .withAction(PiAction.builder().withId(Acl.DROP.id()).build()).build();
  }

  @Test
  void insertNatFlowWithIdleTimeout() throws Exception {
    checkWrite("write-insert-flow-v4-nat", List.of(TableUpdate.insert(natV4())));
  }

  @Test
  void modifyAndDeleteV6Flow() throws Exception {
    checkWrite("write-modify-delete-flow-v6", List.of(TableUpdate.modify(forwardV6()),
        TableUpdate.delete(forwardV6())));
  }

  @Test
  void insertAclWithTernaryAndRangeWildcardsOmitted() throws Exception {
    checkWrite("write-insert-acl", List.of(TableUpdate.insert(aclDropDns())));
  }

  @Test
  void packetOut() throws Exception {
    PacketOut p = PacketCodec.encode(PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_OUT)
        .withData(b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06))
        .withMetadata(PiPacketMetadata.builder().withId(FlowtableP4.PacketOut.EGRESS_PORT.id()).withValue(b(0, 7))
            .build()).build(), index);
    check("packet-out", p);
  }

  private void checkWrite(String name, List<TableUpdate> updates) throws Exception {
    WriteRequest request = WriteRequestCodec.encode(updates, 1, new ElectionId(0, 10), 0, index);
    check(name, request);
    // The hot-path encoder sends exactly the golden request.
    WriteRequest golden = TextFormat.parse(read(name), WriteRequest.class);
    assertArrayEquals(golden.toByteArray(),
        new WriteRequestEncoder(index).encode(updates, 0, updates.size(), 1, new ElectionId(0, 10), 0));
  }

  private void check(String name, Message message) throws IOException {
    String text = "# proto-message: " + message.getDescriptorForType().getFullName() + "\n"
        + TextFormat.printer().printToString(message);
    if (UPDATE) {
      Path p = Path.of("src/test/resources/golden", name + ".txtpb");
      Files.createDirectories(p.getParent());
      Files.writeString(p, text);
    }
    assertEquals(read(name), text, name);
  }

  private static String read(String name) throws IOException {
    try (InputStream in = GoldenRequestTest.class.getResourceAsStream("/golden/" + name + ".txtpb")) {
      if (in == null) {
        throw new AssertionError("golden file missing: src/test/resources/golden/" + name + ".txtpb");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
