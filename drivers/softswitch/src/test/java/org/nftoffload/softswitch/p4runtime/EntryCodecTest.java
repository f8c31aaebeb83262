package org.nftoffload.softswitch.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.softswitch.pipeline.AclMatch;
import org.nftoffload.softswitch.pipeline.AclMatch.Range;
import org.nftoffload.softswitch.pipeline.AclMatch.Ternary;
import org.nftoffload.softswitch.pipeline.Action;
import org.nftoffload.softswitch.pipeline.Action.VlanMode;
import org.nftoffload.softswitch.pipeline.FlowKey;
import org.nftoffload.softswitch.pipeline.TableEntry;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeOuterClass;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.TableAction;

/**
 * The write-path decoder: every action of the flow tables and the ACL's ternary (64- and 128-bit) and range
 * fields decode to the pipeline's compiled form, bytestrings are read in place with leading zeros allowed and
 * values wider than the field refused, and the decoder tells canonical entries (kept as sent) from the others
 * (rewritten into canonical form).
 */
class EntryCodecTest {

  private final P4Info p4Info = FlowtablePipeline.load().p4Info();
  private final EntryCodec codec = new EntryCodec(new P4InfoIndex(p4Info));
  private final EntryCodec.Decoder decoder = codec.decoder();

  private static final byte[] V6_SRC = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  private static final byte[] V6_DST = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xab, 0, 0, 2};

  private int tableId(String alias) {
    return p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals(alias)).findFirst()
        .orElseThrow().getPreamble().getId();
  }

  private int fieldId(String table, String field) {
    return p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals(table)).findFirst()
        .orElseThrow().getMatchFieldsList().stream().filter(f -> f.getName().equals(field)).findFirst()
        .orElseThrow().getId();
  }

  private P4RuntimeOuterClass.Action.Builder action(String alias, Map<String, ByteString> params) {
    var info = p4Info.getActionsList().stream().filter(a -> a.getPreamble().getAlias().equals(alias)).findFirst()
        .orElseThrow();
    var a = P4RuntimeOuterClass.Action.newBuilder().setActionId(info.getPreamble().getId());
    params.forEach((name, value) -> a.addParams(P4RuntimeOuterClass.Action.Param.newBuilder().setParamId(
        info.getParamsList().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow().getId())
        .setValue(value)));
    return a;
  }

  private FieldMatch exact(String table, String field, ByteString value) {
    return FieldMatch.newBuilder().setFieldId(fieldId(table, field)).setExact(FieldMatch.Exact.newBuilder()
        .setValue(value)).build();
  }

  private static ByteString bytes(long value, int length) {
    byte[] b = new byte[length];
    for (int i = length - 1; i >= 0; i--) {
      b[i] = (byte) value;
      value >>>= 8;
    }
    return ByteString.copyFrom(b);
  }

  private static ByteString bytes(byte[] b) {
    return ByteString.copyFrom(b);
  }

  private P4RuntimeOuterClass.TableEntry.Builder flowV6() {
    String t = "flow_v6";
    return P4RuntimeOuterClass.TableEntry.newBuilder().setTableId(tableId(t))
        .addMatch(exact(t, "ingress_port", bytes(3, 1)))
        .addMatch(exact(t, "ip_proto", bytes(6, 1)))
        .addMatch(exact(t, "ipv6_src", bytes(V6_SRC)))
        .addMatch(exact(t, "ipv6_dst", bytes(V6_DST)))
        .addMatch(exact(t, "l4_sport", bytes(40000, 2)))
        .addMatch(exact(t, "l4_dport", bytes(443, 2)));
  }

  private Map<String, ByteString> forwardParams() {
    Map<String, ByteString> p = new LinkedHashMap<>();
    p.put("port", bytes(7, 2));
    p.put("smac", bytes(0x02_00_00_00_00_01L, 6));
    p.put("dmac", bytes(0x02_00_00_00_00_02L, 6));
    return p;
  }

  private Action decodeAction(String table, P4RuntimeOuterClass.Action.Builder a) throws P4RuntimeException {
    return decoder.action(codec.tableCodec(tableId(table)), TableAction.newBuilder().setAction(a).build(), false);
  }

  @Test
  void flowV6KeyAndEveryFlowActionDecodeToTheCompiledForm() throws P4RuntimeException {
    var e = flowV6().build();
    Object key = decoder.key(codec.tableCodec(e.getTableId()), e);
    assertEquals(new FlowKey(3, 6, 0x20010db800000000L, 1, 0xfd00000000000000L, 0xab000002L, 40000, 443), key);

    long smac = 0x02_00_00_00_00_01L;
    long dmac = 0x02_00_00_00_00_02L;
    assertEquals(new Action.Forward(7, smac, dmac, VlanMode.KEEP, 0, null),
        decodeAction("flow_v6", action("forward_flow_v6", forwardParams())));
    assertEquals(new Action.Forward(7, smac, dmac, VlanMode.POP, 0, null),
        decodeAction("flow_v6", action("forward_untag_flow_v6", forwardParams())));
    Map<String, ByteString> vlan = forwardParams();
    vlan.put("vlan_id", bytes(4095, 2));
    assertEquals(new Action.Forward(7, smac, dmac, VlanMode.SET, 4095, null),
        decodeAction("flow_v6", action("forward_vlan_flow_v6", vlan)));

    Map<String, ByteString> nat6 = forwardParams();
    nat6.put("vlan_id", bytes(0, 1));
    nat6.put("ipv6_src", bytes(V6_DST));
    nat6.put("ipv6_dst", bytes(V6_SRC));
    nat6.put("l4_sport", bytes(1, 1));
    nat6.put("l4_dport", bytes(2, 1));
    assertEquals(new Action.Forward(7, smac, dmac, VlanMode.POP, 0, new Action.Nat(V6_DST, V6_SRC, 1, 2)),
        decodeAction("flow_v6", action("nat_flow_v6", nat6)), "vlan 0 on a NAT action leaves the frame untagged");

    Map<String, ByteString> nat4 = forwardParams();
    nat4.put("vlan_id", bytes(10, 1));
    nat4.put("ipv4_src", bytes(0xc0a80001L, 4));
    nat4.put("ipv4_dst", bytes(0x0a000001L, 4));
    nat4.put("l4_sport", bytes(1000, 2));
    nat4.put("l4_dport", bytes(2000, 2));
    assertEquals(new Action.Forward(7, smac, dmac, VlanMode.SET, 10, new Action.Nat(
        new byte[] {(byte) 192, (byte) 168, 0, 1}, new byte[] {10, 0, 0, 1}, 1000, 2000)),
        decodeAction("flow_v4", action("nat_flow_v4", nat4)));
  }

  @Test
  void aclTernaryAndRangeFieldsDecodeIncluding128BitHalves() throws P4RuntimeException {
    byte[] mask = new byte[16];
    java.util.Arrays.fill(mask, 0, 8, (byte) 0xff); // a /64
    byte[] value = java.util.Arrays.copyOf(V6_SRC, 16);
    java.util.Arrays.fill(value, 8, 16, (byte) 0);
    var e = P4RuntimeOuterClass.TableEntry.newBuilder().setTableId(tableId("acl")).setPriority(9)
        .addMatch(FieldMatch.newBuilder().setFieldId(fieldId("acl", "eth_type")).setTernary(FieldMatch.Ternary
            .newBuilder().setValue(bytes(0x86dd, 2)).setMask(bytes(0xffff, 2))))
        .addMatch(FieldMatch.newBuilder().setFieldId(fieldId("acl", "ipv6_src")).setTernary(FieldMatch.Ternary
            .newBuilder().setValue(bytes(value)).setMask(bytes(mask))))
        .addMatch(FieldMatch.newBuilder().setFieldId(fieldId("acl", "l4_dport")).setRange(FieldMatch.Range
            .newBuilder().setLow(bytes(1000, 2)).setHigh(bytes(2000, 2))))
        .setAction(TableAction.newBuilder().setAction(action("drop_acl", Map.of())))
        .build();
    Object key = decoder.key(codec.tableCodec(e.getTableId()), e);
    AclMatch expected = new AclMatch(Ternary.ANY, new Ternary(0x86dd, 0xffff), Ternary.ANY, Ternary.ANY, Ternary.ANY,
        Ternary.ANY, new Ternary(0x20010db800000000L, -1L), new Ternary(0, 0), Ternary.ANY, Ternary.ANY, Range.ANY,
        new Range(1000, 2000));
    assertEquals(new TableEntry.AclKey(expected, 9), key);
    assertEquals(new Action.Drop(), decodeAction("acl", action("drop_acl", Map.of())));
  }

  @Test
  void bytestringsMayCarryLeadingZerosButNeverMoreBitsThanTheField() throws P4RuntimeException {
    byte[] padded = new byte[17]; // 128-bit field sent in 17 bytes: fine while the value fits
    System.arraycopy(V6_SRC, 0, padded, 1, 16);
    var ok = flowV6().setMatch(2, exact("flow_v6", "ipv6_src", bytes(padded))).build();
    assertEquals(0x20010db800000000L, ((FlowKey) decoder.key(codec.tableCodec(ok.getTableId()), ok)).srcHi());

    padded[0] = 1;
    var wide = flowV6().setMatch(2, exact("flow_v6", "ipv6_src", bytes(padded))).build();
    P4RuntimeException e = assertThrows(P4RuntimeException.class,
        () -> decoder.key(codec.tableCodec(wide.getTableId()), wide));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("flow_v6.ipv6_src") && e.getMessage().contains("does not fit in 128 bits"),
        e.getMessage());

    var port = flowV6().setMatch(0, exact("flow_v6", "ingress_port", bytes(0x200, 2))).build();
    P4RuntimeException p = assertThrows(P4RuntimeException.class,
        () -> decoder.key(codec.tableCodec(port.getTableId()), port));
    assertTrue(p.getMessage().contains("does not fit in 9 bits"), p.getMessage());
  }

  @Test
  void theDecoderTellsCanonicalEntriesFromOthers() throws P4RuntimeException {
    var table = codec.tableCodec(tableId("flow_v6"));
    var canonical = flowV6().setMatch(0, exact("flow_v6", "ingress_port", bytes(3, 1)))
        .setMatch(4, exact("flow_v6", "l4_sport", bytes(40000, 2))).build();
    decoder.key(table, canonical);
    assertTrue(decoder.canonical(), "shortest bytestrings, fields in id order");

    var padded = flowV6().setMatch(0, exact("flow_v6", "ingress_port", bytes(3, 2))).build();
    decoder.key(table, padded);
    assertFalse(decoder.canonical(), "a leading zero byte");

    var reordered = flowV6().clearMatch();
    for (int i = flowV6().getMatchCount() - 1; i >= 0; i--) {
      reordered.addMatch(flowV6().getMatch(i));
    }
    decoder.key(table, reordered.build());
    assertFalse(decoder.canonical(), "fields out of id order");

    decoder.key(table, canonical);
    Map<String, ByteString> reversed = new LinkedHashMap<>();
    reversed.put("dmac", bytes(2, 1));
    reversed.put("smac", bytes(1, 1));
    reversed.put("port", bytes(7, 1));
    decoder.action(table, TableAction.newBuilder().setAction(action("forward_flow_v6", reversed)).build(), false);
    assertFalse(decoder.canonical(), "parameters out of id order");

    // what the switch stores for the reordered entry: the canonical form, as reads return it
    assertEquals(canonical, EntryCodec.canonical(reordered.build()));
  }
}
