package org.nftoffload.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4runtime.ElectionId;
import org.nftoffload.p4runtime.FlowEntries;
import org.nftoffload.p4runtime.ManualScheduler;
import org.nftoffload.p4runtime.Mastership;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.TestP4Info;
import org.nftoffload.p4runtime.WriteResult;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.pipeline.TableStore;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * The device manager and client against the embedded software switch over real gRPC on 127.0.0.1: the
 * scenarios the southbound must survive in production.
 */
class SoftswitchIntegrationTest {

  private static final int FLOW_V4_CAPACITY = 64;

  private SoftSwitch sw;
  private int port;
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<DeviceManager> managers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    sw = SoftSwitch.start(config("127.0.0.1:0"));
    port = sw.address().getPort();
  }

  private static SoftSwitchConfig config(String listen) {
    return SoftSwitchConfig.defaults().withListen(listen).withTableSizes(Map.of("flow_v4", FLOW_V4_CAPACITY));
  }

  @AfterEach
  void stop() {
    managers.forEach(DeviceManager::close);
    if (sw != null) {
      sw.close();
    }
  }

  private Device device(long electionId) {
    DeviceManager m = new DeviceManager(TestP4Info.pipeline(), ManagerConfig.defaults()
        .withElectionId(ElectionId.of(electionId)).withReconcilePeriod(Duration.ofSeconds(30)), scheduler,
        new SplittableRandom(electionId));
    managers.add(m);
    return m.add(new DeviceSpec("sw", "127.0.0.1", port, sw.deviceId(), "softswitch", Map.of("p1", 1, "p2", 2),
        Map.of()));
  }

  private static void await(BooleanSupplier c, String what) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      if (c.getAsBoolean()) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  private int flowEntries() {
    return sw.device().locked(() -> sw.device().pipeline().store().size(TableKind.FLOW_V4));
  }

  private Device primaryReady(long electionId) throws Exception {
    Device d = device(electionId);
    List<ReconcileReport> first = new CopyOnWriteArrayList<>();
    d.onReconciled(first::add);
    await(() -> !first.isEmpty(), "the first reconciliation after becoming primary");
    assertTrue(first.get(0).ran(), first.get(0).skipped());
    return d;
  }

  private static List<TableUpdate> inserts(int from, int to) {
    List<TableUpdate> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(TableUpdate.insert(FlowEntries.flowV4(i, 2)));
    }
    return out;
  }

  private java.util.Optional<List<Integer>> cpuCloneSession() {
    return sw.device().locked(() -> java.util.Optional.ofNullable(sw.device().pipeline().cloneSessions()
        .get(org.nftoffload.p4.FlowtableP4.CPU_CLONE_SESSION_ID))
        .map(org.nftoffload.softswitch.pipeline.CloneSession::ports));
  }

  @Test
  void cpuCloneSessionIsProgrammedAndRepaired() throws Exception {
    assertTrue(cpuCloneSession().isEmpty(), "a fresh switch has no clone session");
    Device d = primaryReady(6);
    assertEquals(java.util.Optional.of(List.of(org.nftoffload.p4.FlowtableP4.CPU_PORT)), cpuCloneSession(),
        "copies to the CPU (nft log) need session 511 -> CPU port");
    sw.device().locked(() -> {
      sw.device().pipeline().cloneSessions().put(org.nftoffload.p4.FlowtableP4.CPU_CLONE_SESSION_ID,
          new org.nftoffload.softswitch.pipeline.CloneSession(org.nftoffload.p4.FlowtableP4.CPU_CLONE_SESSION_ID,
              List.of(7), 0));
      return null;
    });
    assertTrue(d.reconcile().get(10, TimeUnit.SECONDS).ran());
    assertEquals(java.util.Optional.of(List.of(org.nftoffload.p4.FlowtableP4.CPU_PORT)), cpuCloneSession(),
        "a session changed behind the controller's back is put right");
  }

  @Test
  void twoControllersRaceForPrimary() throws Exception {
    Device a = device(1);
    Device b = device(2);
    await(() -> b.mastership().isPrimary(), "the higher election id to win");
    await(() -> a.mastership().state() == Mastership.State.BACKUP, "the lower one to be backup");
    assertEquals(ElectionId.of(2), a.mastership().primary().orElseThrow());
    await(() -> b.mirror() != null && b.reconcile().join().ran(), "b set up");
    assertTrue(b.apply(inserts(0, 10)).get(10, TimeUnit.SECONDS).allOk());
    WriteResult fromBackup = a.apply(inserts(100, 120)).get(10, TimeUnit.SECONDS);
    assertTrue(fromBackup.results().stream().allMatch(r -> r.code() == RpcCode.UNAVAILABLE));
    assertEquals(10, flowEntries());
    managers.get(1).close(); // controller b goes away
    // No primary until an id at least as high as b's is announced (P4Runtime); the store would pick a.
    Thread.sleep(200);
    assertTrue(!a.mastership().isPrimary(), "a must not assume primary on its own");
    assertTrue(a.takeOver(ElectionId.of(3)).get(10, TimeUnit.SECONDS).isPrimary());
    await(() -> flowEntries() == 20 && a.mirror().size() == 20, "a's desired state installed");
    assertEquals(a.desired(), a.mirror());
  }

  @Test
  void switchRestartIsRestoredByReconciliation() throws Exception {
    Device d = primaryReady(5);
    assertTrue(d.apply(inserts(0, 40)).get(10, TimeUnit.SECONDS).allOk());
    assertEquals(40, flowEntries());
    sw.close();
    sw = SoftSwitch.start(config("127.0.0.1:" + port));
    assertEquals(0, flowEntries());
    await(() -> !d.mastership().isPrimary(), "the controller to notice");
    List<ReconcileReport> reports = new CopyOnWriteArrayList<>();
    d.onReconciled(reports::add);
    // Drive reconnect attempts (backoff delays are on the manual scheduler) until the stream is back.
    for (int i = 0; i < 200 && !d.mastership().isPrimary(); i++) {
      scheduler.runAll();
      Thread.sleep(10);
    }
    await(() -> flowEntries() == 40, "all 40 entries restored");
    await(() -> reports.stream().anyMatch(r -> r.inserted() == 40), "a report of 40 inserts");
    assertEquals(d.desired(), d.mirror());
  }

  @Test
  void entriesRemovedBehindTheControllersBackAreRestored() throws Exception {
    Device d = primaryReady(5);
    assertTrue(d.apply(inserts(0, 30)).get(10, TimeUnit.SECONDS).allOk());
    int removed = sw.device().locked(() -> {
      TableStore store = sw.device().pipeline().store();
      var victims = store.entries(TableKind.FLOW_V4).subList(0, 9);
      for (var e : List.copyOf(victims)) {
        try {
          store.remove(TableKind.FLOW_V4, e.key());
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      }
      return 9;
    });
    assertEquals(30 - removed, flowEntries());
    ReconcileReport r = d.reconcile().get(10, TimeUnit.SECONDS);
    assertEquals(9, r.inserted());
    assertEquals(0, r.modified());
    assertEquals(0, r.deleted());
    assertEquals(30, flowEntries());
    assertEquals(0, d.reconcile().get(10, TimeUnit.SECONDS).changes());
  }

  @Test
  void packetInOutAndIdleTimeoutsFlowThroughTheStream() throws Exception {
    sw.close();
    java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
        new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    org.nftoffload.softswitch.port.InMemoryPort p1 = new org.nftoffload.softswitch.port.InMemoryPort(1);
    org.nftoffload.softswitch.port.InMemoryPort p2 = new org.nftoffload.softswitch.port.InMemoryPort(2);
    sw = SoftSwitch.start(config("127.0.0.1:0"), now::get, List.of(p1, p2));
    port = sw.address().getPort();
    Device d = primaryReady(5);
    List<org.onosproject.net.pi.runtime.PiPacketOperation> in = new CopyOnWriteArrayList<>();
    List<PiTableEntry> idle = new CopyOnWriteArrayList<>();
    d.addListener(new org.nftoffload.p4runtime.StreamListener() {
      @Override
      public void onPacketIn(org.onosproject.net.pi.runtime.PiPacketOperation p) {
        in.add(p);
      }

      @Override
      public void onIdleTimeout(List<PiTableEntry> entries) {
        idle.addAll(entries);
      }
    });
    // packet_out to port 2 leaves on port 2.
    byte[] arp = new byte[60];
    java.util.Arrays.fill(arp, 0, 6, (byte) 0xff);
    arp[6] = 2;
    arp[11] = 1;
    arp[12] = 0x08;
    arp[13] = 0x06;
    d.packetOut(org.onosproject.net.pi.runtime.PiPacketOperation.builder()
        .withType(org.onosproject.net.pi.model.PiPacketOperationType.PACKET_OUT)
        .withData(org.onlab.util.ImmutableByteSequence.copyFrom(arp))
        .withMetadata(org.onosproject.net.pi.runtime.PiPacketMetadata.builder()
            .withId(org.nftoffload.p4.FlowtableP4.PacketOut.EGRESS_PORT.id())
            .withValue(org.onlab.util.ImmutableByteSequence.copyFrom((short) 2)).build()).build())
        .get(10, TimeUnit.SECONDS);
    byte[] out = p2.poll(Duration.ofSeconds(10));
    assertTrue(out != null && java.util.Arrays.equals(arp, out), "the frame left on port 2");
    // A non-IP frame on port 1 misses and comes to the controller with its ingress port.
    p1.inject(arp);
    await(() -> !in.isEmpty(), "packet_in");
    var meta = new java.util.HashMap<String, Integer>();
    in.get(0).metadatas().forEach(m -> meta.put(m.id().id(),
        new java.math.BigInteger(1, m.value().asArray()).intValue()));
    assertEquals(1, meta.get(org.nftoffload.p4.FlowtableP4.PacketIn.INGRESS_PORT.id().id()));
    assertEquals(org.nftoffload.p4.FlowtableP4.PuntReason.FLOW_MISS.code(),
        meta.get(org.nftoffload.p4.FlowtableP4.PacketIn.REASON.id().id()));
    // An entry with a 10 s idle timeout is reported once the switch's clock passes it.
    PiTableEntry aging = PiTableEntry.builder().forTable(org.nftoffload.p4.FlowtableP4.FlowV4.TABLE.id())
        .withMatchKey(FlowEntries.flowV4(7, 2).matchKey()).withAction(FlowEntries.flowV4(7, 2).action())
        .withTimeout(10).build();
    assertTrue(d.apply(List.of(TableUpdate.insert(aging))).get(10, TimeUnit.SECONDS).allOk());
    now.set(now.get().plusSeconds(11));
    await(() -> !idle.isEmpty(), "the idle-timeout notification");
    assertEquals(EntryKey.of(d.desired().values().iterator().next()), EntryKey.of(idle.get(0)));
  }

  @Test
  void perUpdateErrorsAreSurfacedWithTheEntityThatFailed() throws Exception {
    Device d = primaryReady(5);
    assertTrue(d.apply(inserts(0, FLOW_V4_CAPACITY - 1)).get(10, TimeUnit.SECONDS).allOk());
    PiTableEntry last = FlowEntries.flowV4(FLOW_V4_CAPACITY - 1, 2);
    PiTableEntry overflow = FlowEntries.flowV4(FLOW_V4_CAPACITY, 2);
    PiTableEntry duplicate = FlowEntries.flowV4(3, 2);
    WriteResult r = d.apply(List.of(TableUpdate.insert(last), TableUpdate.insert(overflow),
        TableUpdate.insert(duplicate), TableUpdate.delete(FlowEntries.flowV4(5000, 2)))).get(10, TimeUnit.SECONDS);
    assertTrue(r.results().get(0).ok(), r.results().get(0)::toString);
    assertEquals(RpcCode.RESOURCE_EXHAUSTED, r.results().get(1).code(), r.results().get(1)::toString);
    assertEquals(overflow, r.results().get(1).update().entry());
    assertEquals(RpcCode.ALREADY_EXISTS, r.results().get(2).code(), r.results().get(2)::toString);
    assertEquals(duplicate, r.results().get(2).update().entry());
    assertEquals(RpcCode.NOT_FOUND, r.results().get(3).code(), r.results().get(3)::toString);
    assertEquals(FLOW_V4_CAPACITY, flowEntries());
    // The entry the table had no room for is not kept as desired, so reconciliation does not retry it forever.
    assertEquals(FLOW_V4_CAPACITY, d.desired().size());
    assertEquals(0, d.reconcile().get(10, TimeUnit.SECONDS).changes());
  }
}
