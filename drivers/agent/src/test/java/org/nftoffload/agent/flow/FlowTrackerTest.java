package org.nftoffload.agent.flow;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackEvent;
import org.nftoffload.linux.conntrack.ConntrackStatus;
import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.conntrack.TcpState;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nftoffload.agent.flow.TestFlows.event;
import static org.nftoffload.agent.flow.TestFlows.plain;
import static org.nftoffload.agent.flow.TestFlows.tuple;

/** The flow lifecycle on synthetic conntrack events, with a routing table and a clock the test controls. */
class FlowTrackerTest {

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Records what the tracker tells the controller. */
    static final class Recorder implements FlowEvents {
        final List<Flow> added = new ArrayList<>();
        final List<String> deleted = new ArrayList<>();

        @Override
        public void added(Flow flow) {
            added.add(flow);
        }

        @Override
        public void deleted(FlowKey key, long conntrackId, DeleteReason reason) {
            deleted.add(conntrackId + ":" + reason);
        }
    }

    private final TestClock clock = new TestClock();
    private final Recorder out = new Recorder();
    private final TestFlows.FakeRouting routing = new TestFlows.FakeRouting();
    private final FlowTracker tracker = new FlowTracker(new FlowResolver(routing), new FlowSelector.MarkBit(1), out, clock);

    @Test
    void markedEntryIsReportedOnceWithBothPaths() {
        tracker.onEvent(event(ConntrackEvent.Type.NEW, unmarked(1)));
        assertTrue(out.added.isEmpty(), "no mark yet");
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001)));
        assertEquals(1, out.added.size());
        Flow f = out.added.get(0);
        assertEquals("r1", f.original().ingress().name());
        assertEquals("r2", f.original().egress().name());
        assertEquals(TestFlows.H2_MAC, f.original().destinationMac());
        assertEquals(TestFlows.R2.mac(), f.original().sourceMac());
        assertEquals(TestFlows.H1_MAC, f.reply().destinationMac());
        assertEquals(1, tracker.size());
    }

    private static ConntrackEntry unmarked(long id) {
        ConntrackTuple o = tuple("10.1.1.2", 40001, "10.1.2.2", 80);
        return TestFlows.entry(id, o, o.reversed(), 0, TcpState.SYN_SENT, 120);
    }

    @Test
    void vlanEgressNamesTheVlanAndItsParentAndUsesTheGatewayMac() {
        ConntrackTuple o = tuple("10.1.1.2", 40002, "10.1.3.9", 443);
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, TestFlows.entry(2, o, o.reversed(), 1, TcpState.ESTABLISHED, 300)));
        Flow f = out.added.get(0);
        assertEquals(7, f.original().egress().vlanId());
        assertEquals(Optional.of(TestFlows.R2), f.original().egressLower());
        assertEquals(TestFlows.GW_MAC, f.original().destinationMac());
        assertEquals(Optional.of(TestFlows.R2), f.reply().ingressLower());
    }

    @Test
    void finAndRstEndTheFlowOnceAndForever() {
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(2, 40002)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, withState(plain(1, 40001), TcpState.FIN_WAIT)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, withState(plain(1, 40001), TcpState.TIME_WAIT)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, withState(plain(2, 40002), TcpState.CLOSE)));
        assertEquals(List.of("1:FIN", "2:RST"), out.deleted);
        // the closing entry lives on in conntrack but is never reported again, and its destroy is silent
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, withState(plain(1, 40001), TcpState.TIME_WAIT)));
        tracker.onEvent(event(ConntrackEvent.Type.DESTROY, plain(1, 40001)));
        assertEquals(1, out.added.size() - 1);
        assertEquals(2, out.deleted.size());
        assertEquals(0, tracker.size());
    }

    private static ConntrackEntry withState(ConntrackEntry e, TcpState s) {
        return TestFlows.entry(e.id(), e.original(), e.reply(), e.mark(), s, 10);
    }

    @Test
    void destroyIsATimeoutOnlyWhenTheKernelActedAloneAfterTheTimeout() {
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001))); // 300 s timeout
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(2, 40002)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(3, 40003)));
        clock.now = clock.now.plus(Duration.ofSeconds(100));
        tracker.onEvent(event(ConntrackEvent.Type.DESTROY, plain(1, 40001))); // early: flushed / early drop
        clock.now = clock.now.plus(Duration.ofSeconds(250));
        tracker.onEvent(event(ConntrackEvent.Type.DESTROY, plain(2, 40002)));
        tracker.onEvent(new ConntrackEvent(ConntrackEvent.Type.DESTROY, plain(3, 40003), 4242)); // conntrack -D
        assertEquals(List.of("1:DESTROYED", "2:TIMEOUT", "3:DESTROYED"), out.deleted);
    }

    @Test
    void refreshMovesTheExpiry() {
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001)));
        clock.now = clock.now.plus(Duration.ofSeconds(290));
        FlowKey key = FlowKey.of(plain(1, 40001));
        assertTrue(tracker.activity(key, clock.millis(), 10).isPresent(), "new packets: refresh");
        assertTrue(tracker.activity(key, clock.millis(), 10).isEmpty(), "nothing new: no refresh");
        tracker.refreshed(key, 300);
        clock.now = clock.now.plus(Duration.ofSeconds(20));
        tracker.onEvent(event(ConntrackEvent.Type.DESTROY, plain(1, 40001)));
        assertEquals(List.of("1:DESTROYED"), out.deleted, "destroyed before the refreshed timeout");
    }

    @Test
    void unresolvedNextHopWaitsAndIsRetriedAfterRoutingChanges() {
        routing.neighbours.remove("10.1.2.2");
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001)));
        assertTrue(out.added.isEmpty());
        assertEquals(1, tracker.pendingCount());
        tracker.retryPending();
        assertTrue(out.added.isEmpty());
        routing.neighbours.put("10.1.2.2", TestFlows.H2_MAC);
        tracker.retryPending();
        assertEquals(1, out.added.size());
        assertEquals(0, tracker.pendingCount());
    }

    @Test
    void connectionsOfTheRouterItselfAreNotReported() {
        ConntrackTuple o = tuple("10.1.1.2", 40001, "10.1.1.1", 22);
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, TestFlows.entry(1, o, o.reversed(), 1, TcpState.ESTABLISHED, 300)));
        assertTrue(out.added.isEmpty());
        assertEquals(0, tracker.pendingCount());
    }

    @Test
    void reconcileReportsVanishedFlowsAndPicksUpNewOnes() {
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(1, 40001)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(2, 40002)));
        tracker.reconcile(List.of(plain(2, 40002), plain(3, 40003)));
        assertEquals(List.of("1:DESTROYED"), out.deleted);
        assertEquals(Set.of(2L, 3L), Set.copyOf(tracker.snapshot().stream().map(f -> f.entry().id()).toList()));
        assertEquals(3, out.added.size());
    }

    @Test
    void offloadBitAndPolicySelectors() {
        ConntrackEntry marked = plain(1, 40001);
        assertFalse(new FlowSelector.OffloadBit().candidate(marked));
        ConntrackEntry offloaded = new ConntrackEntry(1, marked.original(), marked.reply(),
                marked.status() | ConntrackStatus.OFFLOAD.mask(), 0, new byte[0], 0, 30, marked.tcpState(),
                ConntrackEntry.Counters.ZERO, ConntrackEntry.Counters.ZERO);
        assertTrue(new FlowSelector.OffloadBit().candidate(offloaded));

        PolicyRule tcpToH2Net = new PolicyRule(Set.of(ConntrackTuple.TCP), Set.of("r1"), Set.of(), List.of(),
                List.of(new Prefix(TestFlows.ip("10.1.2.0"), 24)), Set.of(80), true);
        FlowTracker byPolicy = new FlowTracker(new FlowResolver(routing), new FlowSelector.Policy(List.of()), out, clock);
        byPolicy.onEvent(event(ConntrackEvent.Type.UPDATE, plain(5, 40005)));
        assertTrue(out.added.isEmpty(), "no policy yet: nothing selected");
        byPolicy.setSelector(new FlowSelector.Policy(List.of(tcpToH2Net)));
        byPolicy.onEvent(event(ConntrackEvent.Type.UPDATE, plain(5, 40005)));
        ConntrackTuple other = tuple("10.1.1.2", 40006, "10.1.2.2", 81);
        byPolicy.onEvent(event(ConntrackEvent.Type.UPDATE, TestFlows.entry(6, other, other.reversed(), 0, TcpState.ESTABLISHED, 30)));
        assertEquals(List.of(5L), out.added.stream().map(f -> f.entry().id()).toList());

        PolicyRule wrongIngress = new PolicyRule(Set.of(), Set.of("r2"), Set.of(), List.of(), List.of(), Set.of(), false);
        assertTrue(wrongIngress.matchesEntry(plain(7, 40007)));
        assertFalse(wrongIngress.matches(out.added.get(0)));
    }

    @Test
    void flowsWithTheSameConntrackIdAreStillTwoFlows() {
        // conntrack ids are 32-bit hashes: at 10^5 flows collisions happen, the tuple tells flows apart
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(7, 40001)));
        tracker.onEvent(event(ConntrackEvent.Type.UPDATE, plain(7, 40002)));
        assertEquals(2, tracker.size());
        tracker.onEvent(event(ConntrackEvent.Type.DESTROY, plain(7, 40001)));
        assertEquals(1, tracker.size());
        assertEquals(1, out.deleted.size());
    }

    @Test
    void prefixesMatchBitwise() {
        Prefix p = new Prefix(TestFlows.ip("10.1.2.128"), 25);
        assertTrue(p.contains(TestFlows.ip("10.1.2.200")));
        assertFalse(p.contains(TestFlows.ip("10.1.2.127")));
        assertFalse(p.contains(TestFlows.ip("::1")));
        assertTrue(new Prefix(TestFlows.ip("0.0.0.0"), 0).contains(TestFlows.ip("192.0.2.1")));
    }
}
