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
