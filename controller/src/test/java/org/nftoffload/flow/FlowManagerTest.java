package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FlowManagerTest {

  private final MemoryDevices devices = new MemoryDevices("sw0", "sw1");
  private static final org.nftoffload.p4runtime.ExactEntryEncoder ENTRIES =
      org.nftoffload.p4runtime.ExactEntryEncoder.of(org.nftoffload.p4.FlowtablePipeline.load().p4Info());

  private final ManualScheduler scheduler = new ManualScheduler();
  private final RecordingNotifier agent = new RecordingNotifier();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<FlowManager> managers = new ArrayList<>();

  private FlowManager manager(int batchSize) {
    return manager(batchSize, 1_000_000);
  }

  private FlowManager manager(int batchSize, int queueCapacity) {
    FlowManager m = new FlowManager(devices, Flows.ports(), ENTRIES, new FlowManager.Settings(batchSize, 2,
        queueCapacity,
        Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(8), 3,
        Duration.ofSeconds(60), 1_000_000), Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
        scheduler, meters);
    m.notifier(agent);
    managers.add(m);
    return m;
  }

  @AfterEach
  void close() {
    managers.forEach(FlowManager::close);
  }

  /** Waits until the manager is idle, then checks that its counts by state (and the gauges) match its flows. */
  private void settle(FlowManager m) throws Exception {
    m.quiesce().get(10, TimeUnit.SECONDS);
    Map<FlowState, Integer> counted = new EnumMap<>(FlowState.class);
    for (FlowState s : FlowState.values()) {
      counted.put(s, 0);
    }
    m.flows().forEach(f -> counted.merge(f.state(), 1, Integer::sum));
    assertEquals(counted, m.countByState());
    if (managers.size() == 1) { // the gauges are registered by the first manager on this registry
      for (FlowState s : FlowState.values()) {
        assertEquals(counted.get(s), (int) meters.get("nftoffload.flows").tag("state", s.name().toLowerCase()).gauge()
            .value(), s.name());
      }
    }
  }

  @Test
  void addWritesBothDirectionsAndTellsTheAgent() throws Exception {
    FlowManager m = manager(64);
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    settle(m);
    assertEquals(2, devices.get("sw0").size());
    assertEquals(0, devices.get("sw1").size());
    assertEquals(FlowState.OFFLOADED, m.flow(f.id()).orElseThrow().state());
    assertTrue(m.flow(f.id()).orElseThrow().nat());
    assertEquals(List.of("verdict h1/0/1001 true"), agent.take());
    assertEquals(1.0, meters.get("nftoffload.flows.offloaded").counter().count());
    assertEquals(2, m.entriesOn("sw0"));
  }

  @Test
  void anEventBatchTheQueueCannotHoldIsRefusedWholeAndNothingIsWritten() throws Exception {
    FlowManager m = manager(64, 4);
    List<FlowManager.Event> five = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      five.add(new FlowManager.Event.Add(Flows.masqueraded("h1", i)));
    }
    m.events(five);
    settle(m);
    assertEquals(0, devices.get("sw0").size());
    List<String> told = agent.take();
    assertEquals(5, told.size(), told.toString());
    assertTrue(told.stream().allMatch(t -> t.endsWith("false controller busy: flow queue full")), told.toString());
    assertEquals(1.0, meters.get("nftoffload.flows.queue.full").counter().count());

    // a batch that fits is taken whole, in order: the delete after the add leaves nothing
    FlowSpec kept = Flows.masqueraded("h1", 6);
    FlowSpec gone = Flows.masqueraded("h1", 7);
    m.events(List.of(new FlowManager.Event.Add(kept), new FlowManager.Event.Add(gone),
        new FlowManager.Event.Delete(gone.id(), "FIN")));
    settle(m);
    assertEquals(2, devices.get("sw0").size());
    assertEquals(FlowState.OFFLOADED, m.flow(kept.id()).orElseThrow().state());
    assertTrue(m.flow(gone.id()).isEmpty());
  }

  @Test
  void quiesceWaitsForEveryQueuedEventAcrossManyDrains() throws Exception {
    FlowManager m = manager(64);
    // events that write nothing fill several drains of at most 1,024; the adds queued behind them must be done
    // (written and answered) before quiesce completes, even though no write is in flight in between
    for (int i = 1; i <= 5000; i++) {
      m.delete(Flows.masqueraded("h9", i).id(), "FIN");
    }
    for (int i = 1; i <= 10; i++) {
      m.add(Flows.masqueraded("h1", i));
    }
    settle(m);
    assertEquals(20, devices.get("sw0").size());
    assertEquals(10, agent.take().size());
  }

  @Test
  void deleteRemovesBothEntriesAndForgetsTheFlowWithoutEchoingToTheAgent() throws Exception {
    FlowManager m = manager(64);
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    m.delete(f.id(), "FIN");
    settle(m);
    assertEquals(0, devices.get("sw0").size());
    assertTrue(m.flow(f.id()).isEmpty());
    assertEquals(List.of("verdict h1/0/1001 true"), agent.take());
  }

  @Test
  void tableFullRejectsLeavesNothingBehindAndRetriesWithBackoff() throws Exception {
    FlowManager m = manager(64);
    devices.get("sw0").capacity = 1;
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    settle(m);
    FlowView v = m.flow(f.id()).orElseThrow();
    assertEquals(FlowState.REJECTED, v.state());
    assertTrue(v.reason().orElseThrow().contains("RESOURCE_EXHAUSTED"), v.reason().toString());
    assertEquals(0, devices.get("sw0").size(), "the half that fitted is taken back out");
    assertEquals(List.of("verdict h1/0/1001 false RESOURCE_EXHAUSTED: table full"), agent.take());
    assertEquals(1.0, meters.get("nftoffload.flows.rejected").tag("reason", "resource_exhausted").counter()
        .count());

    scheduler.advance(Duration.ofMillis(999));
    settle(m);
    assertEquals(FlowState.REJECTED, m.flow(f.id()).orElseThrow().state(), "no retry before the backoff");
    devices.get("sw0").capacity = 100;
    scheduler.advance(Duration.ofMillis(1));
    settle(m);
    assertEquals(FlowState.OFFLOADED, m.flow(f.id()).orElseThrow().state());
    assertEquals(1, m.flow(f.id()).orElseThrow().retries());
    assertEquals(2, devices.get("sw0").size());
    assertEquals(List.of("verdict h1/0/1001 true"), agent.take());
  }

  @Test
  void retriesBackOffExponentiallyAndStopAtTheLimit() throws Exception {
    FlowManager m = manager(64);
    devices.get("sw0").down = true;
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    settle(m);
    // limit 3: retries after 1 s, 2 s, 4 s, then none
    for (long wait : new long[] {1, 2, 4}) {
      scheduler.advance(Duration.ofSeconds(wait).minusMillis(1));
      settle(m);
      int before = devices.get("sw0").writeSizes.size();
      scheduler.advance(Duration.ofMillis(1));
      settle(m);
      assertTrue(devices.get("sw0").writeSizes.size() > before, "retry after " + wait + " s");
    }
    assertEquals(3, m.flow(f.id()).orElseThrow().retries());
    int writes = devices.get("sw0").writeSizes.size();
    scheduler.advance(Duration.ofMinutes(10));
    settle(m);
    assertEquals(writes, devices.get("sw0").writeSizes.size(), "no retry past the limit");
    assertEquals(FlowState.REJECTED, m.flow(f.id()).orElseThrow().state());
  }

  @Test
  void unplaceableFlowIsRejectedWithoutWriting() throws Exception {
    FlowManager m = manager(64);
    FlowSpec f = Flows.routed("h1", 1, "lan0", "eth9", 0);
    m.add(f);
    settle(m);
    assertEquals(FlowState.REJECTED, m.flow(f.id()).orElseThrow().state());
    assertTrue(devices.get("sw0").writeSizes.isEmpty());
    assertTrue(agent.take().getFirst().contains("'eth9' is on no device"));
    m.delete(f.id(), "FIN");
    settle(m);
    assertTrue(m.flow(f.id()).isEmpty());
  }

  @Test
  void writesAreBatchedPerDevice() throws Exception {
    FlowManager m = manager(100);
    for (int i = 0; i < 1000; i++) {
      m.add(Flows.masqueraded("h1", i));
    }
    settle(m);
    assertEquals(2000, devices.get("sw0").size());
    assertTrue(devices.get("sw0").writeSizes.stream().allMatch(n -> n <= 100), devices.get("sw0").writeSizes
        .toString());
    assertTrue(devices.get("sw0").writeSizes.size() < 1000, "batched, not one call per flow: "
        + devices.get("sw0").writeSizes.size());
    assertEquals(1000, m.countByState().get(FlowState.OFFLOADED));
  }

  @Test
  void countersBecomeActivityForTheAgent() throws Exception {
    FlowManager m = manager(64);
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    settle(m);
    agent.take();
    List<org.onosproject.net.pi.runtime.PiTableEntry> entries = devices.get("sw0").all();
    devices.get("sw0").count(entries.get(0), 10, 1000);
    devices.get("sw0").count(entries.get(1), 5, 300);
    m.pollActivity().get(5, TimeUnit.SECONDS);
    settle(m);
    assertEquals(List.of("activity h1/0/1001 15 1300"), agent.take());
    m.pollActivity().get(5, TimeUnit.SECONDS);
    settle(m);
    assertEquals(List.of(), agent.take(), "no activity when the counters did not move");
    assertEquals(15, m.flow(f.id()).orElseThrow().packets());
    assertTrue(m.flow(f.id()).orElseThrow().lastUsed().isPresent());
  }

  @Test
  void idleTimeoutOfBothDirectionsRemovesTheFlowAndTellsTheAgent() throws Exception {
    FlowManager m = manager(64);
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    settle(m);
    agent.take();
    List<org.onosproject.net.pi.runtime.PiTableEntry> entries = devices.get("sw0").all();
    m.idleTimeout("sw0", List.of(entries.get(0)));
    settle(m);
    assertEquals(FlowState.OFFLOADED, m.flow(f.id()).orElseThrow().state(), "one idle direction is not enough");
    m.idleTimeout("sw0", List.of(entries.get(1)));
    settle(m);
    assertTrue(m.flow(f.id()).isEmpty());
    assertEquals(0, devices.get("sw0").size());
    assertEquals(List.of("removed h1/0/1001 idle timeout"), agent.take());
  }

  @Test
  void evictSendsTheFlowBackToTheKernel() throws Exception {
    FlowManager m = manager(64);
    FlowSpec f = Flows.masqueraded("h1", 1);
    m.add(f);
    settle(m);
    agent.take();
    assertTrue(m.evict(f.id()).get(5, TimeUnit.SECONDS));
    settle(m);
    assertEquals(0, devices.get("sw0").size());
    assertEquals(List.of("removed h1/0/1001 evicted by an operator"), agent.take());
    assertTrue(!m.evict(f.id()).get(5, TimeUnit.SECONDS));
  }

  @Test
  void resyncTearsDownFlowsTheAgentNoLongerHas() throws Exception {
    FlowManager m = manager(64);
    m.add(Flows.masqueraded("h1", 1));
    m.add(Flows.masqueraded("h1", 2));
    m.add(Flows.masqueraded("h2", 3));
    settle(m);
    m.resync("h1", List.of(Flows.masqueraded("h1", 2), Flows.masqueraded("h1", 4)));
    settle(m);
    assertTrue(m.flow(Flows.masqueraded("h1", 1).id()).isEmpty());
    assertEquals(FlowState.OFFLOADED, m.flow(Flows.masqueraded("h1", 2).id()).orElseThrow().state());
    assertEquals(FlowState.OFFLOADED, m.flow(Flows.masqueraded("h1", 4).id()).orElseThrow().state());
    assertEquals(FlowState.OFFLOADED, m.flow(Flows.masqueraded("h2", 3).id()).orElseThrow().state());
    assertEquals(6, devices.get("sw0").size());
  }

  @Test
  void restartAdoptsClaimedEntriesAndDeletesUnclaimedOnesAfterTheGrace() throws Exception {
    FlowManager before = manager(64);
    before.add(Flows.masqueraded("h1", 1));
    before.add(Flows.masqueraded("h1", 2));
    settle(before);
    before.close();
    int callsBefore = devices.get("sw0").writeSizes.size();

    FlowManager after = manager(64);
    assertEquals(4, after.recover().get(5, TimeUnit.SECONDS));
    after.resync("h1", List.of(Flows.masqueraded("h1", 1)));
    settle(after);
    assertEquals(FlowState.OFFLOADED, after.flow(Flows.masqueraded("h1", 1).id()).orElseThrow().state());
    assertEquals(4, devices.get("sw0").size(), "nothing deleted before the grace period");
    assertEquals(2, after.orphanCount().get());
    scheduler.advance(Duration.ofSeconds(60));
    settle(after);
    assertEquals(2, devices.get("sw0").size());
    assertEquals(0, after.orphanCount().get());
    assertTrue(devices.get("sw0").writeSizes.size() > callsBefore);
  }

  @Test
  void flowsAddedWhilePendingAndDeletedEndGone() throws Exception {
    FlowManager m = manager(64);
    for (int i = 0; i < 50; i++) {
      m.add(Flows.masqueraded("h1", i));
      m.delete(Flows.masqueraded("h1", i).id(), "RST");
    }
    settle(m);
    assertEquals(0, devices.get("sw0").size());
    assertTrue(m.flows().isEmpty());
  }
}
