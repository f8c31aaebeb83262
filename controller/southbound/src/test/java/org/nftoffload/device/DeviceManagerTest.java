package org.nftoffload.device;

import org.nftoffload.p4.FlowtableP4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4runtime.ElectionId;
import org.nftoffload.p4runtime.FakeDevice;
import org.nftoffload.p4runtime.FlowEntries;
import org.nftoffload.p4runtime.FlowEntriesIds;
import org.nftoffload.p4runtime.ManualScheduler;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.TestP4Info;
import org.nftoffload.p4runtime.WriteResult;
import org.onosproject.net.pi.runtime.PiTableEntry;

/** The device manager against {@link FakeDevice} over real gRPC on loopback. */
class DeviceManagerTest {

  private FakeDevice fake;
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<DeviceManager> managers = new ArrayList<>();

  @BeforeEach
  void start() {
    fake = FakeDevice.start();
  }

  @AfterEach
  void stop() {
    managers.forEach(DeviceManager::close);
    fake.close();
  }

  private Device device(long electionId) {
    return device(electionId, List.of());
  }

  private Device device(long electionId, List<PiTableEntry> initial) {
    DeviceManager m = new DeviceManager(TestP4Info.pipeline(),
        ManagerConfig.defaults().withElectionId(ElectionId.of(electionId)).withReconcilePeriod(Duration.ofSeconds(5)),
        scheduler, new SplittableRandom(electionId));
    managers.add(m);
    return m.add(new DeviceSpec("sw1", "127.0.0.1", fake.port(), 1, "softswitch", Map.of("eth1", 1, "eth2", 2),
        Map.of()), initial);
  }

  private static void await(BooleanSupplier c, String what) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      if (c.getAsBoolean()) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  private static List<TableUpdate> inserts(int n) {
    return FlowEntries.flowV4(n).stream().map(TableUpdate::insert).toList();
  }

  private Device primaryDevice() throws Exception {
    Device d = device(10);
    await(() -> d.mastership().isPrimary() && fake.pipelineCookie().isPresent(), "primary with pipeline");
    return d;
  }

  @Test
  void pushesThePipelineOnceAndWritesEntries() throws Exception {
    Device d = primaryDevice();
    assertEquals(1, fake.setPipelineCalls());
    await(() -> fake.cloneSessions().containsKey(FlowtableP4.CPU_CLONE_SESSION_ID), "the CPU clone session");
    assertEquals(List.of(FlowtableP4.CPU_PORT), fake.cloneSessions().get(FlowtableP4.CPU_CLONE_SESSION_ID)
        .getReplicasList().stream().map(p4.v1.P4RuntimeOuterClass.Replica::getEgressPort).toList());
    WriteResult r = d.apply(inserts(100)).get(10, TimeUnit.SECONDS);
    assertTrue(r.allOk(), () -> r.failures().toString());
    assertEquals(100, fake.entryCount());
    assertEquals(100, d.mirror().size());
    assertEquals(d.desired(), d.mirror());
    assertEquals(Map.of(FlowtableP4.FlowV4.TABLE.id(), 100), d.mirrorCounts());
    assertEquals(100, d.desiredCount());
    // A restarted controller seeded with the same state finds the pipeline cookie and the entries in place: it
    // neither resets the device nor rewrites a single entry, so traffic keeps flowing.
    managers.forEach(DeviceManager::close);
    managers.clear();
    int writes = fake.writeCalls();
    Device again = device(11, FlowEntries.flowV4(100));
    await(() -> again.mastership().isPrimary(), "primary again");
    ReconcileReport rep = again.reconcile().get(10, TimeUnit.SECONDS);
    assertEquals(1, fake.setPipelineCalls());
    assertEquals(0, rep.changes());
    assertEquals(writes, fake.writeCalls());
    assertEquals(100, fake.entryCount(), "entries survive a controller restart");
    assertEquals(again.desired(), again.mirror());
  }

  @Test
  void entriesRemovedBehindTheControllersBackAreRestoredAndOnlyTheyAreWritten() throws Exception {
    Device d = primaryDevice();
    d.apply(inserts(50)).get(10, TimeUnit.SECONDS);
    fake.removeEntries(7);
    fake.corruptFirstEntry(p4.v1.P4RuntimeOuterClass.Action.newBuilder()
        .setActionId(FlowEntriesIds.forwardUntagV4()).addParams(p4.v1.P4RuntimeOuterClass.Action.Param.newBuilder()
            .setParamId(1).setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {9})))
        .addParams(p4.v1.P4RuntimeOuterClass.Action.Param.newBuilder().setParamId(2)
            .setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {1})))
        .addParams(p4.v1.P4RuntimeOuterClass.Action.Param.newBuilder().setParamId(3)
            .setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {1}))).build());
    fake.addForeignEntry(p4.v1.P4RuntimeOuterClass.TableEntry.parseFrom(
        FlowEntriesIds.encode(FlowEntries.flowV4(5000, 3))));
    int writesBefore = fake.writeCalls();
    ReconcileReport r = d.reconcile().get(10, TimeUnit.SECONDS);
    assertTrue(r.ran(), r.skipped());
    assertEquals(7, r.inserted());
    assertEquals(1, r.modified());
    assertEquals(1, r.deleted());
    assertTrue(r.failures().isEmpty(), r.failures()::toString);
    assertEquals(1, fake.writeCalls() - writesBefore, "one batched write with only the difference");
    assertEquals(50, fake.entryCount());
    assertEquals(d.desired(), d.mirror());
    ReconcileReport again = d.reconcile().get(10, TimeUnit.SECONDS);
    assertEquals(0, again.changes(), "nothing left to repair");
  }

  @Test
  void switchRestartIsRepairedAfterReconnect() throws Exception {
    Device d = primaryDevice();
    d.apply(inserts(30)).get(10, TimeUnit.SECONDS);
    fake.restart();
    assertEquals(0, fake.entryCount());
    await(() -> !d.mastership().isPrimary(), "the stream loss");
    await(() -> scheduler.pending() >= 1, "a reconnect to be scheduled");
    List<ReconcileReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
    d.onReconciled(reports::add);
    // Runs the reconnect (and the periodic reconciliation, which is harmless here).
    scheduler.runAll();
    await(() -> fake.entryCount() == 30, "entries restored");
    await(() -> reports.stream().anyMatch(r -> r.inserted() == 30), "a reconcile report with 30 inserts");
    assertEquals(2, fake.setPipelineCalls(), "the restarted switch got its pipeline again");
  }

  @Test
  void twoControllersRaceForPrimaryAndTheBackupTakesOver() throws Exception {
    Device a = device(1);
    Device b = device(2);
    await(() -> b.mastership().isPrimary(), "b primary");
    await(() -> a.mastership().state() == org.nftoffload.p4runtime.Mastership.State.BACKUP, "a backup");
    await(() -> fake.pipelineCookie().isPresent(), "pipeline from b");
    b.apply(inserts(10)).get(10, TimeUnit.SECONDS);
    WriteResult fromBackup = a.apply(inserts(20)).get(10, TimeUnit.SECONDS);
    assertTrue(fromBackup.results().stream().allMatch(r -> r.code() == RpcCode.UNAVAILABLE));
    assertEquals(10, fake.entryCount(), "the backup wrote nothing");
    assertEquals(20, a.desired().size(), "the backup keeps its intent");
    managers.get(1).close();
    a.takeOver(ElectionId.of(3)).get(10, TimeUnit.SECONDS);
    await(() -> a.mastership().isPrimary(), "a takes over");
    await(() -> fake.entryCount() == 20 && a.mirror().size() == 20, "a's state installed by reconciliation");
    assertEquals(1, fake.setPipelineCalls(), "same pipeline: no reset on takeover");
  }

  @Test
  void perUpdateErrorsNameTheEntryAndDoNotPoisonTheDesiredState() throws Exception {
    Device d = primaryDevice();
    PiTableEntry good = FlowEntries.flowV4(1, 1);
    PiTableEntry bad = FlowEntries.flowV4(2, 4000); // 9-bit port
    WriteResult r = d.apply(List.of(TableUpdate.insert(good), TableUpdate.insert(bad),
        TableUpdate.delete(FlowEntries.flowV4(3, 1)))).get(10, TimeUnit.SECONDS);
    assertTrue(r.results().get(0).ok());
    assertEquals(RpcCode.INVALID_ARGUMENT, r.results().get(1).code());
    assertEquals(bad, r.results().get(1).update().entry());
    assertTrue(r.results().get(1).message().contains("sw1") && r.results().get(1).message().contains("'port'"),
        r.results().get(1).message());
    assertEquals(RpcCode.NOT_FOUND, r.results().get(2).code());
    assertEquals(1, d.desired().size());
  }

  @Test
  void periodicReconciliationRunsOnTheScheduler() throws Exception {
    Device d = primaryDevice();
    d.apply(inserts(5)).get(10, TimeUnit.SECONDS);
    fake.removeEntries(5);
    List<ReconcileReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
    d.onReconciled(reports::add);
    assertTrue(scheduler.delays().contains(Duration.ofSeconds(5)));
    scheduler.runAll();
    await(() -> reports.size() == 1, "periodic reconciliation");
    assertEquals(5, reports.get(0).inserted());
    assertEquals(5, fake.entryCount());
    await(() -> scheduler.pending() >= 1, "the next period to be scheduled");
  }

  @Test
  void updatesOfTheSameEntryInOneApplyLandInOrderDespiteBatchesInFlight() throws Exception {
    DeviceManager m = new DeviceManager(TestP4Info.pipeline(), new ManagerConfig(ElectionId.of(10), 0,
        Duration.ofSeconds(30), 1, 8, Duration.ofSeconds(10), org.nftoffload.p4runtime.Backoff.DEFAULT,
        java.util.Optional.empty()), scheduler, new SplittableRandom(3));
    managers.add(m);
    Device d = m.add(new DeviceSpec("sw1", "127.0.0.1", fake.port(), 1, "softswitch", Map.of(), Map.of()));
    await(() -> d.mastership().isPrimary() && fake.pipelineCookie().isPresent(), "primary with pipeline");
    List<TableUpdate> updates = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      updates.add(TableUpdate.insert(FlowEntries.flowV4(round, 1)));
      updates.add(TableUpdate.modify(FlowEntries.flowV4(round, 2)));
      updates.add(TableUpdate.delete(FlowEntries.flowV4(round, 2)));
      updates.add(TableUpdate.insert(FlowEntries.flowV4(round, 3)));
    }
    WriteResult r = d.apply(updates).get(10, TimeUnit.SECONDS);
    assertTrue(r.allOk(), () -> r.failures().toString());
    assertEquals(20, fake.entryCount());
    assertEquals(d.desired(), d.mirror());
    for (p4.v1.P4RuntimeOuterClass.TableEntry e : fake.entries()) {
      assertEquals(com.google.protobuf.ByteString.copyFrom(new byte[] {3}),
          e.getAction().getAction().getParams(0).getValue(), "the last update of each entry wins");
    }
  }

  @Test
  void badSpecsFailNamingTheDevice() {
    DeviceManager m = new DeviceManager(TestP4Info.pipeline(), ManagerConfig.defaults(), scheduler,
        new SplittableRandom(1));
    managers.add(m);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.add(new DeviceSpec("x",
        "127.0.0.1", fake.port(), 1, "nosuch", Map.of(), Map.of())));
    assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("nosuch"), e.getMessage());
    assertFalse(m.device("x").isPresent());
    m.add(new DeviceSpec("y", "127.0.0.1", fake.port(), 1, "softswitch", Map.of(), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> m.add(new DeviceSpec("z", "127.0.0.1", fake.port(), 1,
        "softswitch", Map.of(), Map.of())));
  }
}
