package org.nftoffload.softswitch.p4runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.softswitch.MutableClock;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import org.nftoffload.softswitch.pipeline.TestFrame;
import org.nftoffload.softswitch.port.InMemoryPort;
import org.nftoffload.softswitch.port.Port;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeOuterClass.Action;
import p4.v1.P4RuntimeOuterClass.CloneSessionEntry;
import p4.v1.P4RuntimeOuterClass.CounterData;
import p4.v1.P4RuntimeOuterClass.CounterEntry;
import p4.v1.P4RuntimeOuterClass.DirectCounterEntry;
import p4.v1.P4RuntimeOuterClass.DirectMeterEntry;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.Index;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.MeterConfig;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketMetadata;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.PacketReplicationEngineEntry;
import p4.v1.P4RuntimeOuterClass.Replica;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.TableAction;
import p4.v1.P4RuntimeOuterClass.TableEntry;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/** The software switch as a P4Runtime client sees it, over real gRPC on loopback. */
class P4RuntimeServerTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final long SMAC = 0x0a_00_00_00_00_01L;
  static final long DMAC = 0x0a_00_00_00_00_02L;

  final P4Info p4Info = FlowtablePipeline.load().p4Info();
  final MutableClock clock = new MutableClock();
  final InMemoryPort port1 = new InMemoryPort(1);
  final InMemoryPort port2 = new InMemoryPort(2);
  SoftSwitch sw;
  SpecClient client;

  @BeforeEach
  void start() throws Exception {
    startSwitch(SoftSwitchConfig.defaults());
  }

  void startSwitch(SoftSwitchConfig config) throws Exception {
    sw = SoftSwitch.start(config, clock, List.<Port>of(port1, port2));
    client = new SpecClient(sw.address(), p4Info, sw.deviceId());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    sw.close();
  }

  /** Arbitrates as primary with election id 10 and pushes the pipeline. */
  SpecClient.Stream primaryWithPipeline() throws InterruptedException {
    SpecClient.Stream s = client.arbitrated(10);
    client.setPipeline(10, SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT, p4Info, 7);
    return s;
  }

  // ------------------------------------------------------------------------------------------ builders

  FieldMatch exact(String table, String field, ByteString value) {
    return FieldMatch.newBuilder().setFieldId(client.fieldId(table, field))
        .setExact(FieldMatch.Exact.newBuilder().setValue(value)).build();
  }

  TableAction action(String alias, Map<String, ByteString> params) {
    Action.Builder a = Action.newBuilder().setActionId(client.actionId(alias));
    params.forEach((k, v) -> a.addParams(Action.Param.newBuilder().setParamId(client.paramId(alias, k)).setValue(v)));
    return TableAction.newBuilder().setAction(a).build();
  }

  static ByteString ip(String s) {
    return ByteString.copyFrom(TestFrame.addr(s));
  }

  /** A flow_v4 entry for {@code frame} arriving on port 1, forwarded to port 2 with new MACs. */
  TableEntry.Builder flowFor(TestFrame f) {
    return TableEntry.newBuilder().setTableId(client.tableId("flow_v4"))
        .addMatch(exact("flow_v4", "ingress_port", SpecClient.bytes(1, 2)))
        .addMatch(exact("flow_v4", "ip_proto", SpecClient.bytes(f.proto, 1)))
        .addMatch(exact("flow_v4", "ipv4_src", ByteString.copyFrom(f.src)))
        .addMatch(exact("flow_v4", "ipv4_dst", ByteString.copyFrom(f.dst)))
        .addMatch(exact("flow_v4", "l4_sport", SpecClient.bytes(f.sport, 2)))
        .addMatch(exact("flow_v4", "l4_dport", SpecClient.bytes(f.dport, 2)))
        .setAction(forwardTo2());
  }

  TableAction forwardTo2() {
    Map<String, ByteString> p = new LinkedHashMap<>();
    p.put("port", SpecClient.bytes(2, 2));
    p.put("smac", SpecClient.bytes(SMAC, 6));
    p.put("dmac", SpecClient.bytes(DMAC, 6));
    return action("forward_flow_v4", p);
  }

  TableEntry.Builder acl(int priority, String action) {
    return TableEntry.newBuilder().setTableId(client.tableId("acl")).setPriority(priority)
        .addMatch(FieldMatch.newBuilder().setFieldId(client.fieldId("acl", "eth_type"))
            .setTernary(FieldMatch.Ternary.newBuilder().setValue(SpecClient.bytes(0x0800, 2))
                .setMask(SpecClient.bytes(0xffff, 2))))
        .setAction(action(action, Map.of()));
  }

  static Update update(Update.Type type, TableEntry.Builder e) {
    return Update.newBuilder().setType(type).setEntity(Entity.newBuilder().setTableEntry(e)).build();
  }

  static Update insert(TableEntry.Builder e) {
    return update(Update.Type.INSERT, e);
  }

  List<TableEntry> readTable(TableEntry request) {
    return client.read(Entity.newBuilder().setTableEntry(request).build()).stream().map(Entity::getTableEntry)
        .toList();
  }

  static Status.Code code(StatusRuntimeException e) {
    return e.getStatus().getCode();
  }

  // ------------------------------------------------------------------------------------------ tests

  @Test
  void capabilitiesNameTheApiVersion() {
    assertEquals("1.2.0", client.blocking.capabilities(
        p4.v1.P4RuntimeOuterClass.CapabilitiesRequest.getDefaultInstance()).getP4RuntimeApiVersion());
  }

  @Test
  void arbitrationElectsTheHighestIdAndTellsEveryone() throws Exception {
    SpecClient.Stream a = client.stream();
    a.arbitrate(5, 0);
    MasterArbitrationUpdate first = a.nextArbitration();
    assertEquals(Status.Code.OK.value(), first.getStatus().getCode(), "the only client is primary");
    assertEquals(5, first.getElectionId().getLow());

    SpecClient.Stream b = client.stream();
    b.arbitrate(3, 0);
    MasterArbitrationUpdate backup = b.nextArbitration();
    assertEquals(Status.Code.ALREADY_EXISTS.value(), backup.getStatus().getCode(), "lower id: backup");
    assertEquals(5, backup.getElectionId().getLow(), "the primary's id");

    SpecClient.Stream c = client.stream();
    c.arbitrate(9, 0);
    assertEquals(Status.Code.OK.value(), c.nextArbitration().getStatus().getCode());
    MasterArbitrationUpdate demoted = a.nextArbitration();
    assertEquals(Status.Code.ALREADY_EXISTS.value(), demoted.getStatus().getCode(), "old primary told");
    assertEquals(9, demoted.getElectionId().getLow());
    assertEquals(9, b.nextArbitration().getElectionId().getLow(), "backups told too");

    // only the primary writes
    client.setPipeline(9, SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT, p4Info, 1);
    StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
        () -> client.write(5, insert(acl(1, "drop_acl"))));
    assertEquals(Status.Code.PERMISSION_DENIED, code(denied));
    client.write(9, insert(acl(1, "drop_acl")));

    // the primary leaves: nobody is primary until an id >= 9 shows up
    c.close();
    MasterArbitrationUpdate none = a.nextArbitration();
    assertEquals(Status.Code.NOT_FOUND.value(), none.getStatus().getCode());
    assertEquals(9, none.getElectionId().getLow(), "the highest id seen");
    assertEquals(Status.Code.PERMISSION_DENIED,
        code(assertThrows(StatusRuntimeException.class, () -> client.write(5, insert(acl(2, "drop_acl"))))));
    a.arbitrate(9, 0);
    assertEquals(Status.Code.OK.value(), a.nextArbitration().getStatus().getCode(), "re-announced with 9");
    a.close();
    b.close();
  }

  @Test
  void unsetElectionIdIsABackupForever() throws Exception {
    SpecClient.Stream standby = client.stream();
    standby.send(StreamMessageRequest.newBuilder().setArbitration(MasterArbitrationUpdate.newBuilder()
        .setDeviceId(sw.deviceId())).build());
    MasterArbitrationUpdate u = standby.nextArbitration();
    assertEquals(Status.Code.NOT_FOUND.value(), u.getStatus().getCode(), "no primary");
    assertTrue(!u.hasElectionId(), "no primary ever: election id unset");
    SpecClient.Stream primary = client.stream();
    primary.arbitrate(1, 0);
    assertEquals(Status.Code.OK.value(), primary.nextArbitration().getStatus().getCode());
    MasterArbitrationUpdate told = standby.nextArbitration();
    assertEquals(Status.Code.ALREADY_EXISTS.value(), told.getStatus().getCode());
    assertEquals(1, told.getElectionId().getLow());
    primary.close();
    standby.close();
  }

  @Test
  void changingRoleOnALiveStreamIsAFailedPrecondition() throws Exception {
    SpecClient.Stream a = client.arbitrated(5);
    a.arbitrate(5, 3);
    Throwable t = a.ended.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    assertNotNull(t);
    assertEquals(Status.Code.FAILED_PRECONDITION, Status.fromThrowable(t).getCode());
  }

  @Test
  void modifyWithoutActionKeepsItAndWithoutMeterConfigResetsTheMeter() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    MeterConfig config = MeterConfig.newBuilder().setCir(5).setCburst(5).setPir(10).setPburst(10).build();
    client.write(10, insert(acl(3, "meter_acl").setMeterConfig(config)));
    TableEntry.Builder readBack = acl(3, "meter_acl").clearAction().setMeterConfig(MeterConfig.getDefaultInstance());
    assertEquals(config, readTable(readBack.build()).getFirst().getMeterConfig());
    client.write(10, update(Update.Type.MODIFY, acl(3, "meter_acl").clearAction().setControllerMetadata(77)));
    TableEntry after = readTable(readBack.build()).getFirst();
    assertEquals(client.actionId("meter_acl"), after.getAction().getAction().getActionId(), "action kept");
    assertEquals(77, after.getControllerMetadata());
    assertTrue(!after.hasMeterConfig(), "an unset meter_config on MODIFY resets the meter to all-green");
    s.close();
  }

  @Test
  void duplicateElectionIdEndsTheNewStream() throws Exception {
    SpecClient.Stream a = client.arbitrated(5);
    SpecClient.Stream b = client.stream();
    b.arbitrate(5, 0);
    Throwable t = b.ended.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    assertNotNull(t);
    assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(t).getCode());
    a.close();
  }

  @Test
  void rolesElectSeparately() throws Exception {
    SpecClient.Stream a = client.stream();
    a.arbitrate(5, 0);
    assertEquals(Status.Code.OK.value(), a.nextArbitration().getStatus().getCode());
    SpecClient.Stream b = client.stream();
    b.arbitrate(1, 7);
    MasterArbitrationUpdate r = b.nextArbitration();
    assertEquals(Status.Code.OK.value(), r.getStatus().getCode(), "primary of role 7");
    assertEquals(7, r.getRole().getId());
    a.close();
    b.close();
  }

  @Test
  void wrongDeviceIdIsNotFound() throws Exception {
    SpecClient.Stream a = client.stream();
    a.send(StreamMessageRequest.newBuilder().setArbitration(MasterArbitrationUpdate.newBuilder().setDeviceId(99)
        .setElectionId(SpecClient.election(1))).build());
    Throwable t = a.ended.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(Status.Code.NOT_FOUND, Status.fromThrowable(t).getCode());
  }

  @Test
  void pipelineConfigActionsAndRefusalOfOtherP4Info() throws Exception {
    SpecClient.Stream s = client.arbitrated(10);
    assertEquals(Status.Code.FAILED_PRECONDITION, code(assertThrows(StatusRuntimeException.class,
        () -> client.write(10, insert(acl(1, "drop_acl"))))), "no pipeline yet");

    P4Info.Builder other = p4Info.toBuilder();
    other.getTablesBuilder(1).setSize(12);
    other.getActionsBuilder(0).getPreambleBuilder().setName("Other.action");
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> client.setPipeline(10,
        SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT, other.build(), 1));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(refused));
    String msg = refused.getStatus().getDescription();
    assertTrue(msg.contains("FlowtableIngress.flow_v4 differs: size is 12, expected 65536"), msg);
    assertTrue(msg.contains("Other.action is not in the flowtable pipeline"), msg);

    assertEquals(Status.Code.NOT_FOUND, code(assertThrows(StatusRuntimeException.class, () -> client.commit(10))),
        "nothing saved to commit");
    client.setPipeline(10, SetForwardingPipelineConfigRequest.Action.VERIFY, p4Info, 1);
    client.setPipeline(10, SetForwardingPipelineConfigRequest.Action.VERIFY_AND_SAVE, p4Info, 42);
    assertTrue(!client.blocking.getForwardingPipelineConfig(GetForwardingPipelineConfigRequest.newBuilder()
        .setDeviceId(sw.deviceId()).build()).hasConfig(), "saved is not committed: no config yet");
    assertEquals(Status.Code.INVALID_ARGUMENT, code(assertThrows(StatusRuntimeException.class,
        () -> client.setPipeline(10, SetForwardingPipelineConfigRequest.Action.COMMIT, p4Info, 0))),
        "COMMIT carries no config");
    client.commit(10);
    var got = client.blocking.getForwardingPipelineConfig(GetForwardingPipelineConfigRequest.newBuilder()
        .setDeviceId(sw.deviceId()).build()).getConfig();
    assertEquals(42, got.getCookie().getCookie());
    assertEquals(p4Info, got.getP4Info());
    var cookieOnly = client.blocking.getForwardingPipelineConfig(GetForwardingPipelineConfigRequest.newBuilder()
        .setDeviceId(sw.deviceId()).setResponseType(GetForwardingPipelineConfigRequest.ResponseType.COOKIE_ONLY)
        .build()).getConfig();
    assertTrue(!cookieOnly.hasP4Info());

    client.write(10, insert(acl(1, "drop_acl")));
    client.setPipeline(10, SetForwardingPipelineConfigRequest.Action.RECONCILE_AND_COMMIT, p4Info, 43);
    assertEquals(1, readTable(TableEntry.getDefaultInstance()).size(), "reconcile keeps the state");
    client.setPipeline(10, SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT, p4Info, 44);
    assertEquals(0, readTable(TableEntry.getDefaultInstance()).size(), "commit starts afresh");
    s.close();
  }

  @Test
  void insertReadModifyDeleteWithCanonicalBytestrings() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame f = TestFrame.v4().udp(1000, 53);
    TableEntry.Builder padded = flowFor(f).clearMatch()
        .addMatch(exact("flow_v4", "ingress_port", SpecClient.bytes(1, 4))) // leading zeros on input
        .addMatch(exact("flow_v4", "ip_proto", SpecClient.bytes(17, 1)))
        .addMatch(exact("flow_v4", "ipv4_src", ip("10.0.0.1")))
        .addMatch(exact("flow_v4", "ipv4_dst", ip("10.0.0.2")))
        .addMatch(exact("flow_v4", "l4_sport", SpecClient.bytes(1000, 2)))
        .addMatch(exact("flow_v4", "l4_dport", SpecClient.bytes(53, 2)))
        .setIdleTimeoutNs(5_000_000_000L);
    client.write(10, insert(padded));

    List<TableEntry> all = readTable(TableEntry.getDefaultInstance());
    assertEquals(1, all.size());
    TableEntry read = all.getFirst();
    assertEquals(ByteString.copyFrom(new byte[] {1}), read.getMatch(0).getExact().getValue(), "canonical port");
    assertEquals(SpecClient.bytes(53, 1), read.getMatch(5).getExact().getValue(), "canonical dport 53 = 1 byte");
    assertEquals(ByteString.copyFrom(new byte[] {2}), read.getAction().getAction().getParams(0).getValue());
    assertEquals(5_000_000_000L, read.getIdleTimeoutNs());
    assertTrue(!read.hasCounterData(), "counter data only when asked for");

    // specific read, with counter data and time since last hit
    TableEntry specific = readTable(flowFor(f).clearAction().setCounterData(CounterData.getDefaultInstance())
        .setTimeSinceLastHit(TableEntry.IdleTimeout.getDefaultInstance()).build()).getFirst();
    assertEquals(0, specific.getCounterData().getPacketCount());
    assertTrue(specific.hasTimeSinceLastHit());
    assertEquals(List.of(), readTable(TableEntry.newBuilder().setTableId(client.tableId("flow_v6")).build()));

    // modify: new action takes effect
    Map<String, ByteString> p = new LinkedHashMap<>();
    p.put("port", SpecClient.bytes(2, 2));
    p.put("smac", SpecClient.bytes(SMAC, 6));
    p.put("dmac", SpecClient.bytes(DMAC, 6));
    p.put("vlan_id", SpecClient.bytes(99, 2));
    client.write(10, update(Update.Type.MODIFY, flowFor(f).setAction(action("forward_vlan_flow_v4", p))));
    port1.inject(f.build());
    byte[] out = port2.poll(WAIT);
    assertNotNull(out);
    assertEquals(99, TestFrame.Parsed.of(out).vlan());

    client.write(10, update(Update.Type.DELETE, flowFor(f).clearAction()));
    assertEquals(List.of(), readTable(TableEntry.getDefaultInstance()));
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
        () -> client.write(10, update(Update.Type.DELETE, flowFor(f))));
    assertEquals(Status.Code.NOT_FOUND.value(), SpecClient.updateErrors(gone).getFirst().getCanonicalCode());
    s.close();
  }

  /** Each refused entry, alone in a batch, with the code it must get. */
  @Test
  void invalidEntriesAreRefusedWithTheirCode() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame f = TestFrame.v4();
    Map<String, Update> cases = new LinkedHashMap<>();
    cases.put("port wider than 9 bits", insert(flowFor(f).setMatch(0, exact("flow_v4", "ingress_port",
        SpecClient.bytes(512, 2)))));
    cases.put("empty bytestring", insert(flowFor(f).setMatch(1, exact("flow_v4", "ip_proto", ByteString.EMPTY))));
    cases.put("exact field missing", insert(flowFor(f).removeMatch(5)));
    cases.put("priority on an exact table", insert(flowFor(f).setPriority(3)));
    cases.put("acl without priority", insert(acl(0, "drop_acl")));
    cases.put("ternary mask 0", insert(acl(1, "drop_acl").setMatch(0, FieldMatch.newBuilder()
        .setFieldId(client.fieldId("acl", "eth_type")).setTernary(FieldMatch.Ternary.newBuilder()
            .setValue(SpecClient.bytes(0, 1)).setMask(SpecClient.bytes(0, 1))))));
    cases.put("value outside mask", insert(acl(1, "drop_acl").setMatch(0, FieldMatch.newBuilder()
        .setFieldId(client.fieldId("acl", "eth_type")).setTernary(FieldMatch.Ternary.newBuilder()
            .setValue(SpecClient.bytes(0x0801, 2)).setMask(SpecClient.bytes(0xff00, 2))))));
    cases.put("range low > high", insert(acl(1, "drop_acl").addMatch(FieldMatch.newBuilder()
        .setFieldId(client.fieldId("acl", "l4_dport")).setRange(FieldMatch.Range.newBuilder()
            .setLow(SpecClient.bytes(100, 1)).setHigh(SpecClient.bytes(10, 1))))));
    cases.put("don't-care range", insert(acl(1, "drop_acl").addMatch(FieldMatch.newBuilder()
        .setFieldId(client.fieldId("acl", "l4_dport")).setRange(FieldMatch.Range.newBuilder()
            .setLow(SpecClient.bytes(0, 1)).setHigh(SpecClient.bytes(0xffff, 2))))));
    cases.put("exact match on a ternary field", insert(acl(1, "drop_acl").setMatch(0,
        exact("acl", "eth_type", SpecClient.bytes(0x800, 2)))));
    cases.put("action of another table", insert(flowFor(f).setAction(action("drop_acl", Map.of()))));
    cases.put("default-only action in an entry", insert(flowFor(f).setAction(TableAction.newBuilder()
        .setAction(Action.newBuilder().setActionId(p4Info.getActionsList().stream()
            .filter(a -> a.getPreamble().getName().equals("NoAction")).findFirst().orElseThrow()
            .getPreamble().getId())))));
    cases.put("parameter missing", insert(flowFor(f).setAction(TableAction.newBuilder().setAction(
        forwardTo2().getAction().toBuilder().removeParams(2)))));
    cases.put("idle timeout on the acl", insert(acl(1, "drop_acl").setIdleTimeoutNs(1000)));
    cases.put("meter on a flow table", insert(flowFor(f).setMeterConfig(MeterConfig.newBuilder().setCir(1)
        .setPir(1))));
    cases.put("time_since_last_hit in a write", insert(flowFor(f).setTimeSinceLastHit(
        TableEntry.IdleTimeout.getDefaultInstance())));
    cases.put("meter config for an action without the meter", insert(acl(1, "drop_acl").setMeterConfig(
        MeterConfig.newBuilder().setCir(1).setPir(1))));
    Map<String, Status.Code> expected = new LinkedHashMap<>();
    cases.keySet().forEach(k -> expected.put(k, Status.Code.INVALID_ARGUMENT));
    expected.put("default-only action in an entry", Status.Code.PERMISSION_DENIED);
    cases.put("unknown table", insert(flowFor(f).setTableId(0x02ffffff)));
    expected.put("unknown table", Status.Code.NOT_FOUND);
    cases.put("const default action", update(Update.Type.MODIFY, TableEntry.newBuilder()
        .setTableId(client.tableId("flow_v4")).setIsDefaultAction(true).setAction(forwardTo2())));
    expected.put("const default action", Status.Code.PERMISSION_DENIED);
    for (var c : cases.entrySet()) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.write(10, c.getValue()),
          c.getKey());
      assertEquals(Status.Code.UNKNOWN, code(e), c.getKey());
      var errors = SpecClient.updateErrors(e);
      assertEquals(1, errors.size());
      assertEquals(expected.get(c.getKey()).value(), errors.getFirst().getCanonicalCode(),
          c.getKey() + ": " + errors.getFirst().getMessage());
    }
    assertEquals(List.of(), readTable(TableEntry.getDefaultInstance()), "nothing was written");
    // the default entry reads as the const NoAction
    TableEntry def = readTable(TableEntry.newBuilder().setTableId(client.tableId("acl")).setIsDefaultAction(true)
        .build()).getFirst();
    assertTrue(def.getIsDefaultAction());
    s.close();
  }

  @Test
  void readBatchesReturnWhatIsValidAndAnErrorPerRequest() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    client.write(10, insert(acl(4, "drop_acl")));
    List<Entity> got = new ArrayList<>();
    var it = client.blocking.read(p4.v1.P4RuntimeOuterClass.ReadRequest.newBuilder().setDeviceId(sw.deviceId())
        .addEntities(Entity.newBuilder().setTableEntry(TableEntry.getDefaultInstance()))
        .addEntities(Entity.newBuilder().setCounterEntry(CounterEntry.newBuilder().setCounterId(0x12ffffff)))
        .build());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> it.forEachRemaining(r -> got.addAll(r.getEntitiesList())));
    assertEquals(Status.Code.UNKNOWN, code(e));
    assertEquals(List.of(Status.Code.OK.value(), Status.Code.NOT_FOUND.value()), SpecClient.updateErrors(e).stream()
        .map(p4.v1.P4RuntimeOuterClass.Error::getCanonicalCode).toList());
    assertEquals(1, got.size(), "the valid request's entities were returned");
    s.close();
  }

  @Test
  void continueOnErrorReportsEveryUpdateInOrder() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame a = TestFrame.v4().udp(1, 1);
    TestFrame b = TestFrame.v4().udp(2, 2);
    client.write(10, insert(flowFor(a)));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.write(10,
        WriteRequest.Atomicity.CONTINUE_ON_ERROR, List.of(insert(flowFor(b)), insert(flowFor(a)),
            update(Update.Type.DELETE, flowFor(TestFrame.v4().udp(3, 3))), insert(acl(5, "punt_acl")))));
    List<Status.Code> codes = SpecClient.updateErrors(e).stream().map(x -> Status.fromCodeValue(x.getCanonicalCode())
        .getCode()).toList();
    assertEquals(List.of(Status.Code.OK, Status.Code.ALREADY_EXISTS, Status.Code.NOT_FOUND, Status.Code.OK), codes);
    assertEquals(3, readTable(TableEntry.getDefaultInstance()).size(), "the good updates were applied");
    s.close();
  }

  @Test
  void rollbackAndDataplaneAtomicAreAllOrNothing() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame a = TestFrame.v4().udp(1, 1);
    client.write(10, insert(flowFor(a)));
    client.write(10, insert(acl(7, "permit_acl")));
    for (WriteRequest.Atomicity atomicity : List.of(WriteRequest.Atomicity.ROLLBACK_ON_ERROR,
        WriteRequest.Atomicity.DATAPLANE_ATOMIC)) {
      List<Update> batch = List.of(insert(flowFor(TestFrame.v4().udp(2, 2))),
          update(Update.Type.MODIFY, acl(7, "drop_acl")),
          update(Update.Type.DELETE, flowFor(a)),
          insert(flowFor(a).setTableId(0x02ffffff)), // fails: unknown table
          insert(flowFor(TestFrame.v4().udp(4, 4))));
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.write(10, atomicity,
          batch));
      List<Status.Code> codes = SpecClient.updateErrors(e).stream().map(x -> Status.fromCodeValue(
          x.getCanonicalCode()).getCode()).toList();
      assertEquals(List.of(Status.Code.ABORTED, Status.Code.ABORTED, Status.Code.ABORTED, Status.Code.NOT_FOUND,
          Status.Code.ABORTED), codes, atomicity.name());
      List<TableEntry> left = readTable(TableEntry.getDefaultInstance());
      assertEquals(2, left.size(), atomicity + ": the state before the batch");
      assertTrue(left.stream().anyMatch(x -> x.getAction().getAction().getActionId() == client.actionId("permit_acl")),
          "the modify was undone");
    }
    s.close();
  }

  /**
   * While frames stream through, a DATAPLANE_ATOMIC batch moves a flow from one action to another by DELETE then
   * INSERT: no frame may see the gap between the two (it would be punted as a miss).
   */
  @Test
  void dataplaneAtomicBatchesAreNeverSeenHalfApplied() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    InMemoryPort port3 = new InMemoryPort(3);
    sw.device().attach(port3);
    TestFrame f = TestFrame.v4().udp(4000, 4000);
    Map<String, ByteString> to3 = new LinkedHashMap<>();
    to3.put("port", SpecClient.bytes(3, 2));
    to3.put("smac", SpecClient.bytes(SMAC, 6));
    to3.put("dmac", SpecClient.bytes(DMAC, 6));
    client.write(10, insert(flowFor(f)));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    byte[] frame = f.build();
    Thread traffic = Thread.ofPlatform().start(() -> {
      for (int i = 0; i < 100_000 && !stop.get(); i++) {
        port1.inject(frame);
        sent.incrementAndGet();
      }
    });
    try {
      for (int i = 0; i < 20; i++) {
        TableEntry.Builder next = flowFor(f).setAction(i % 2 == 0 ? action("forward_flow_v4", to3) : forwardTo2());
        client.write(10, WriteRequest.Atomicity.DATAPLANE_ATOMIC, List.of(
            update(Update.Type.DELETE, flowFor(f)), insert(next)));
      }
    } finally {
      stop.set(true);
      traffic.join(30_000);
    }
    int out2 = 0;
    int out3 = 0;
    while (port2.poll() != null) {
      out2++;
    }
    while (port3.poll() != null) {
      out3++;
    }
    assertTrue(out2 > 0 && out3 > 0, "the batches ran while traffic flowed: " + out2 + " / " + out3);
    assertEquals(sent.get(), out2 + out3, "every frame was forwarded by one version of the entry or the other");
    assertTrue(s.received.stream().noneMatch(StreamMessageResponse::hasPacket), "no frame missed the table");
    s.close();
  }

  @Test
  void fullTableRefusesOnlyTheUpdateThatDoesNotFit() throws Exception {
    client.close();
    sw.close();
    startSwitch(SoftSwitchConfig.defaults().withTableSizes(Map.of("flow_v4", 2)));
    SpecClient.Stream s = primaryWithPipeline();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.write(10,
        insert(flowFor(TestFrame.v4().udp(1, 1))), insert(flowFor(TestFrame.v4().udp(2, 2))),
        insert(flowFor(TestFrame.v4().udp(3, 3))), insert(acl(1, "drop_acl"))));
    List<Status.Code> codes = SpecClient.updateErrors(e).stream().map(x -> Status.fromCodeValue(x.getCanonicalCode())
        .getCode()).toList();
    assertEquals(List.of(Status.Code.OK, Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED, Status.Code.OK), codes);
    s.close();
  }

  @Test
  void packetsFlowWithPacketInOutAndCounters() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame f = TestFrame.v4().tcp(40000, 443, 0x10);
    byte[] frame = f.build();
    port1.inject(frame);
    PacketIn in = s.next(StreamMessageResponse::hasPacket, WAIT).getPacket();
    assertArrayEquals(frame, in.getPayload().toByteArray());
    Map<Integer, ByteString> md = new java.util.HashMap<>();
    in.getMetadataList().forEach(m -> md.put(m.getMetadataId(), m.getValue()));
    assertEquals(ByteString.copyFrom(new byte[] {1}), md.get(client.metadataId("packet_in", "ingress_port")));
    assertEquals(ByteString.copyFrom(new byte[] {(byte) FlowtableP4.PuntReason.FLOW_MISS.code()}),
        md.get(client.metadataId("packet_in", "reason")));

    client.write(10, insert(flowFor(f)));
    port1.inject(frame);
    byte[] out = port2.poll(WAIT);
    assertNotNull(out, "forwarded by the flow entry");
    TestFrame.Parsed p = TestFrame.Parsed.of(out);
    assertEquals(DMAC, p.dmac());
    assertEquals(63, p.ttl());

    Entity dc = client.read(Entity.newBuilder().setDirectCounterEntry(DirectCounterEntry.newBuilder()
        .setTableEntry(TableEntry.newBuilder().setTableId(client.tableId("flow_v4")))).build()).getFirst();
    assertEquals(1, dc.getDirectCounterEntry().getData().getPacketCount());
    assertEquals(frame.length, dc.getDirectCounterEntry().getData().getByteCount());

    Entity rx = client.read(Entity.newBuilder().setCounterEntry(CounterEntry.newBuilder()
        .setCounterId(client.counterId("rx_port_counter")).setIndex(Index.newBuilder().setIndex(1))).build())
        .getFirst();
    assertEquals(2, rx.getCounterEntry().getData().getPacketCount());
    List<Entity> punt = client.read(Entity.newBuilder().setCounterEntry(CounterEntry.newBuilder()
        .setCounterId(client.counterId("punt_counter"))).build());
    assertEquals(p4Info.getCountersList().stream().filter(c -> c.getPreamble().getAlias().equals("punt_counter"))
        .findFirst().orElseThrow().getSize(), punt.size(), "a wildcard index reads every cell");
    assertEquals(1, punt.get(FlowtableP4.PuntReason.FLOW_MISS.code()).getCounterEntry().getData().getPacketCount());
    assertEquals(0, punt.get(FlowtableP4.PuntReason.FLOW_MISS.code()).getCounterEntry().getData().getByteCount(),
        "a packets-only counter has no bytes");

    // packet_out goes straight out of its port
    byte[] arp = TestFrame.arp().build();
    s.send(StreamMessageRequest.newBuilder().setPacket(PacketOut.newBuilder().setPayload(ByteString.copyFrom(arp))
        .addMetadata(PacketMetadata.newBuilder().setMetadataId(client.metadataId("packet_out", "egress_port"))
            .setValue(SpecClient.bytes(1, 1)))).build());
    assertArrayEquals(arp, port1.poll(WAIT));

    // direct counter write
    client.write(10, Update.newBuilder().setType(Update.Type.MODIFY).setEntity(Entity.newBuilder()
        .setDirectCounterEntry(DirectCounterEntry.newBuilder().setTableEntry(flowFor(f).clearAction())
            .setData(CounterData.newBuilder().setPacketCount(100).setByteCount(1000)))).build());
    TableEntry withCounter = readTable(TableEntry.newBuilder().setTableId(client.tableId("flow_v4"))
        .setCounterData(CounterData.getDefaultInstance()).build()).getFirst();
    assertEquals(100, withCounter.getCounterData().getPacketCount());
    s.close();
  }

  @Test
  void packetOutFromABackupIsRefusedOnTheStream() throws Exception {
    SpecClient.Stream primary = primaryWithPipeline();
    SpecClient.Stream backup = client.arbitrated(3);
    backup.send(StreamMessageRequest.newBuilder().setPacket(PacketOut.newBuilder()
        .setPayload(ByteString.copyFrom(TestFrame.arp().build()))
        .addMetadata(PacketMetadata.newBuilder().setMetadataId(client.metadataId("packet_out", "egress_port"))
            .setValue(SpecClient.bytes(1, 1)))).build());
    StreamMessageResponse err = backup.next(StreamMessageResponse::hasError, WAIT);
    assertEquals(Status.Code.PERMISSION_DENIED.value(), err.getError().getCanonicalCode());
    assertTrue(err.getError().hasPacketOut());
    primary.send(StreamMessageRequest.newBuilder().setPacket(PacketOut.newBuilder()
        .setPayload(ByteString.copyFrom(TestFrame.arp().build()))
        .addMetadata(PacketMetadata.newBuilder().setMetadataId(client.metadataId("packet_out", "egress_port"))
            .setValue(SpecClient.bytes(600, 2)))).build());
    assertEquals(Status.Code.INVALID_ARGUMENT.value(),
        primary.next(StreamMessageResponse::hasError, WAIT).getError().getCanonicalCode(), "port wider than 9 bits");
    backup.close();
    primary.close();
  }

  @Test
  void idleEntriesAreNotifiedOnceAndReArmedByTraffic() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame idle = TestFrame.v4().udp(7, 7);
    TestFrame busy = TestFrame.v4().udp(8, 8);
    TestFrame forever = TestFrame.v4().udp(9, 9);
    client.write(10, insert(flowFor(idle).setIdleTimeoutNs(1_000_000_000L)),
        insert(flowFor(busy).setIdleTimeoutNs(1_000_000_000L)), insert(flowFor(forever)));
    clock.advance(Duration.ofMillis(600));
    port1.inject(busy.build());
    clock.advance(Duration.ofMillis(600)); // idle: 1.2 s without a hit; busy: 0.6 s
    var n = s.next(StreamMessageResponse::hasIdleTimeoutNotification, WAIT).getIdleTimeoutNotification();
    assertEquals(1, n.getTableEntryCount());
    assertEquals(ByteString.copyFrom(new byte[] {7}), n.getTableEntry(0).getMatch(4).getExact().getValue());
    assertEquals(1_000_000_000L, n.getTableEntry(0).getIdleTimeoutNs());

    TableEntry read = readTable(flowFor(idle).clearAction().setTimeSinceLastHit(
        TableEntry.IdleTimeout.getDefaultInstance()).build()).getFirst();
    assertEquals(1_200_000_000L, read.getTimeSinceLastHit().getElapsedNs());

    // a hit re-arms the idle entry; both time out together in one batched notification
    port1.inject(idle.build());
    clock.advance(Duration.ofSeconds(2));
    var second = s.next(StreamMessageResponse::hasIdleTimeoutNotification, WAIT).getIdleTimeoutNotification();
    assertEquals(2, second.getTableEntryCount(), "idle (re-armed) and busy, in one notification");
    assertTrue(second.getTimestamp() > n.getTimestamp(), "timestamps from the switch clock");
    // still idle one TTL later: the notification restarted the timers, so both are reported again
    clock.advance(Duration.ofSeconds(1));
    var third = s.next(StreamMessageResponse::hasIdleTimeoutNotification, WAIT).getIdleTimeoutNotification();
    assertEquals(2, third.getTableEntryCount());
    assertTrue(third.getTableEntryList().stream().noneMatch(e -> e.getIdleTimeoutNs() == 0),
        "entries without a TTL never time out");
    s.close();
  }

  @Test
  void cloneSessionCarriesAclLogCopiesToTheController() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    client.write(10, Update.newBuilder().setType(Update.Type.INSERT).setEntity(Entity.newBuilder()
        .setPacketReplicationEngineEntry(PacketReplicationEngineEntry.newBuilder().setCloneSessionEntry(
            CloneSessionEntry.newBuilder().setSessionId(FlowtableP4.CPU_CLONE_SESSION_ID)
                .addReplicas(Replica.newBuilder().setEgressPort(FlowtableP4.CPU_PORT).setInstance(1))))).build());
    TestFrame f = TestFrame.v4().udp(5, 5);
    client.write(10, insert(acl(3, "copy_to_cpu_acl")), insert(flowFor(f)));
    byte[] frame = f.build();
    port1.inject(frame);
    assertNotNull(port2.poll(WAIT), "the original is forwarded");
    PacketIn log = s.next(StreamMessageResponse::hasPacket, WAIT).getPacket();
    assertArrayEquals(frame, log.getPayload().toByteArray());
    assertTrue(log.getMetadataList().stream().anyMatch(m -> m.getMetadataId() == client.metadataId("packet_in",
        "reason") && m.getValue().equals(ByteString.copyFrom(new byte[] {6}))));
    List<Entity> sessions = client.read(Entity.newBuilder().setPacketReplicationEngineEntry(
        PacketReplicationEngineEntry.newBuilder().setCloneSessionEntry(CloneSessionEntry.getDefaultInstance()))
        .build());
    assertEquals(1, sessions.size());
    assertEquals(FlowtableP4.CPU_PORT, sessions.getFirst().getPacketReplicationEngineEntry().getCloneSessionEntry()
        .getReplicas(0).getEgressPort());
    s.close();
  }

  @Test
  void directMeterConfigIsWrittenReadAndEnforced() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame f = TestFrame.v4().udp(5, 5);
    client.write(10, insert(acl(3, "meter_acl")), insert(flowFor(f)));
    MeterConfig config = MeterConfig.newBuilder().setCir(1).setCburst(1).setPir(1).setPburst(1).build();
    client.write(10, Update.newBuilder().setType(Update.Type.MODIFY).setEntity(Entity.newBuilder()
        .setDirectMeterEntry(DirectMeterEntry.newBuilder().setTableEntry(acl(3, "meter_acl").clearAction())
            .setConfig(config))).build());
    Entity read = client.read(Entity.newBuilder().setDirectMeterEntry(DirectMeterEntry.newBuilder()
        .setTableEntry(TableEntry.newBuilder().setTableId(client.tableId("acl")))).build()).getFirst();
    assertEquals(config, read.getDirectMeterEntry().getConfig());
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      port1.inject(f.build());
    }
    byte[] b;
    while ((b = port2.poll(Duration.ofMillis(500))) != null) {
      out.add(b);
    }
    assertEquals(1, out.size(), "burst of 1: the rest are red");
    TableEntry acl = readTable(TableEntry.newBuilder().setTableId(client.tableId("acl"))
        .setCounterData(CounterData.getDefaultInstance()).setMeterConfig(MeterConfig.getDefaultInstance()).build())
        .getFirst();
    assertEquals(3, acl.getCounterData().getPacketCount());
    assertEquals(config, acl.getMeterConfig());
    s.close();
  }

  /**
   * Updates are decoded and checked before the batch takes the data-plane lock, but the outcome is as if each were
   * handled in turn: a state error (duplicate) earlier in a ROLLBACK_ON_ERROR batch is the failure reported even
   * when a later update is malformed, and updates of one entry within a batch see each other.
   */
  @Test
  void preparedBatchesKeepTheOrderOfErrorsAndOfUpdatesToOneEntry() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame a = TestFrame.v4().udp(11, 11);
    TestFrame x = TestFrame.v4().udp(12, 12);
    client.write(10, insert(flowFor(a)));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.write(10,
        WriteRequest.Atomicity.ROLLBACK_ON_ERROR, List.of(insert(flowFor(x)), insert(flowFor(a)),
            insert(flowFor(x).setPriority(5)))));
    assertEquals(List.of(Status.Code.ABORTED, Status.Code.ALREADY_EXISTS, Status.Code.ABORTED),
        SpecClient.updateErrors(e).stream().map(err -> Status.fromCodeValue(err.getCanonicalCode()).getCode())
            .toList());
    assertEquals(1, readTable(TableEntry.getDefaultInstance()).size(), "the insert of x was rolled back");

    Map<String, ByteString> to3 = new LinkedHashMap<>();
    to3.put("port", SpecClient.bytes(3, 2));
    to3.put("smac", SpecClient.bytes(SMAC, 6));
    to3.put("dmac", SpecClient.bytes(DMAC, 6));
    client.write(10, insert(flowFor(x)), update(Update.Type.MODIFY, flowFor(x).clearAction().setIdleTimeoutNs(
        7_000_000_000L)), update(Update.Type.DELETE, flowFor(x).clearAction()),
        insert(flowFor(x).setAction(action("forward_flow_v4", to3))),
        update(Update.Type.MODIFY, flowFor(x).clearAction().setControllerMetadata(5)));
    TableEntry read = readTable(flowFor(x).clearAction().build()).getFirst();
    assertEquals(3, read.getAction().getAction().getParams(0).getValue().byteAt(0), "the second insert's action");
    assertEquals(5, read.getControllerMetadata());
    assertEquals(0, read.getIdleTimeoutNs(), "the entry was deleted and inserted again without a timeout");
    s.close();
  }

  /** Entries sent in any field and parameter order, with padded bytestrings, are stored and read canonically. */
  @Test
  void entriesOutOfIdOrderAreStoredInCanonicalForm() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame f = TestFrame.v4().udp(13, 13);
    TableEntry.Builder canonical = flowFor(f).clearMatch()
        .addMatch(exact("flow_v4", "ingress_port", SpecClient.bytes(1, 1)))
        .addMatch(exact("flow_v4", "ip_proto", SpecClient.bytes(17, 1)))
        .addMatch(exact("flow_v4", "ipv4_src", ByteString.copyFrom(f.src)))
        .addMatch(exact("flow_v4", "ipv4_dst", ByteString.copyFrom(f.dst)))
        .addMatch(exact("flow_v4", "l4_sport", SpecClient.bytes(13, 1)))
        .addMatch(exact("flow_v4", "l4_dport", SpecClient.bytes(13, 1)))
        .setAction(action("forward_flow_v4", Map.of("port", SpecClient.bytes(2, 1), "smac",
            SpecClient.bytes(SMAC, 6), "dmac", SpecClient.bytes(DMAC, 6))));
    // Map.of has no order; sort the canonical one's params by id as the spec's canonical form has them
    canonical.setAction(canonical.getAction().toBuilder().setAction(canonical.getAction().getAction().toBuilder()
        .clearParams().addAllParams(canonical.getAction().getAction().getParamsList().stream()
            .sorted(java.util.Comparator.comparingInt(Action.Param::getParamId)).toList())));
    TableEntry.Builder scrambled = canonical.clone().clearMatch();
    for (int i = canonical.getMatchCount() - 1; i >= 0; i--) {
      FieldMatch m = canonical.getMatch(i);
      scrambled.addMatch(m.toBuilder().setExact(FieldMatch.Exact.newBuilder().setValue(
          ByteString.copyFrom(new byte[2]).concat(m.getExact().getValue()))));
    }
    Action.Builder params = scrambled.getAction().getAction().toBuilder().clearParams();
    for (int i = canonical.getAction().getAction().getParamsCount() - 1; i >= 0; i--) {
      params.addParams(canonical.getAction().getAction().getParams(i));
    }
    scrambled.setAction(TableAction.newBuilder().setAction(params));
    client.write(10, insert(scrambled));
    assertEquals(List.of(canonical.build()), readTable(TableEntry.getDefaultInstance()));
    s.close();
  }

  /**
   * The idle timer follows MODIFY (a shorter timeout takes effect from the modify), an undone DELETE (the entry
   * is timed again) and a DELETE (never reported after it).
   */
  @Test
  void idleTimersFollowModifyRollbackAndDelete() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    TestFrame x = TestFrame.v4().udp(21, 21);
    TestFrame y = TestFrame.v4().udp(22, 22);
    client.write(10, insert(flowFor(x).setIdleTimeoutNs(60_000_000_000L)));
    clock.advance(Duration.ofSeconds(5));
    client.write(10, update(Update.Type.MODIFY, flowFor(x).setIdleTimeoutNs(1_000_000_000L)));
    clock.advance(Duration.ofMillis(1200));
    var first = s.next(StreamMessageResponse::hasIdleTimeoutNotification, WAIT).getIdleTimeoutNotification();
    assertEquals(List.of(1_000_000_000L), first.getTableEntryList().stream().map(TableEntry::getIdleTimeoutNs)
        .toList(), "x, at its new timeout");

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.write(10,
        WriteRequest.Atomicity.ROLLBACK_ON_ERROR, List.of(update(Update.Type.DELETE, flowFor(x).clearAction()),
            insert(flowFor(y).setTableId(0x02ffffff)))));
    assertEquals(Status.Code.UNKNOWN, code(e));
    clock.advance(Duration.ofMillis(1200));
    var second = s.next(StreamMessageResponse::hasIdleTimeoutNotification, WAIT).getIdleTimeoutNotification();
    assertEquals(1, second.getTableEntryCount(), "x is timed again after the undone delete");
    assertEquals(ByteString.copyFrom(new byte[] {21}), second.getTableEntry(0).getMatch(4).getExact().getValue());

    client.write(10, update(Update.Type.DELETE, flowFor(x).clearAction()),
        insert(flowFor(y).setIdleTimeoutNs(1_000_000_000L)));
    clock.advance(Duration.ofMillis(1200));
    var third = s.next(StreamMessageResponse::hasIdleTimeoutNotification, WAIT).getIdleTimeoutNotification();
    assertEquals(1, third.getTableEntryCount(), "only y: x was deleted");
    assertEquals(ByteString.copyFrom(new byte[] {22}), third.getTableEntry(0).getMatch(4).getExact().getValue());
    s.close();
  }

  /**
   * Writes from many threads at once are applied together (several per hold of the data-plane lock) yet each
   * call gets its own answer: per-update errors at the right index of the right call, every good update applied.
   */
  @Test
  void concurrentWritesEachGetTheirOwnResults() throws Exception {
    SpecClient.Stream s = primaryWithPipeline();
    int threads = 6;
    int writes = 15;
    int perWrite = 8;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          List<String> problems = new ArrayList<>();
          for (int w = 0; w < writes; w++) {
            List<Update> batch = new ArrayList<>();
            for (int u = 0; u < perWrite; u++) {
              batch.add(insert(flowFor(TestFrame.v4().udp(1000 + thread, w * perWrite + u))));
            }
            boolean bad = w % 3 == 0;
            if (bad) { // the entry of update 0 again, at index 5: ALREADY_EXISTS there and only there
              batch.set(5, insert(flowFor(TestFrame.v4().udp(1000 + thread, w * perWrite))));
            }
            try {
              client.write(10, WriteRequest.Atomicity.CONTINUE_ON_ERROR, batch);
              if (bad) {
                problems.add("thread " + thread + " write " + w + ": no error");
              }
            } catch (StatusRuntimeException e) {
              List<Status.Code> codes = SpecClient.updateErrors(e).stream()
                  .map(x -> Status.fromCodeValue(x.getCanonicalCode()).getCode()).toList();
              List<Status.Code> expected = new ArrayList<>(java.util.Collections.nCopies(perWrite, Status.Code.OK));
              expected.set(5, Status.Code.ALREADY_EXISTS);
              if (!bad || !codes.equals(expected)) {
                problems.add("thread " + thread + " write " + w + ": " + codes);
              }
            }
          }
          return problems;
        }));
      }
      for (var r : results) {
        assertEquals(List.of(), r.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    int bad = (writes + 2) / 3;
    assertEquals(threads * (writes * perWrite - bad), readTable(TableEntry.getDefaultInstance()).size());
    s.close();
  }
}
