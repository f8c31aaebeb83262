package org.nftoffload.agent.flow;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.conntrack.TcpState;
import org.nftoffload.linux.route.Link;
import org.nftoffload.linux.route.MacAddress;
import org.nftoffload.linux.route.Route;

import java.net.InetAddress;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.nftoffload.agent.flow.TestFlows.plain;
import static org.nftoffload.agent.flow.TestFlows.tuple;

/** The resolver's per-host-pair cache: reused between flows of the same hosts, dropped when routing moves. */
class FlowResolverTest {

    /** The lab's routing, counting route lookups, with a generation the test moves. */
    static final class CountingRouting implements RoutingLookup {
        final TestFlows.FakeRouting table = new TestFlows.FakeRouting();
        long generation;
        int routeLookups;

        @Override
        public Route route(InetAddress destination) throws ErrnoException {
            routeLookups++;
            return table.route(destination);
        }

        @Override
        public Optional<Link> link(int index) {
            return table.link(index);
        }

        @Override
        public Optional<MacAddress> neighbour(int ifindex, InetAddress address) {
            return table.neighbour(ifindex, address);
        }

        @Override
        public long generation() {
            return generation;
        }
    }

    private static Flow resolved(Resolution r) {
        return assertInstanceOf(Resolution.Resolved.class, r).flow();
    }

    @Test
    void flowsBetweenTheSameHostsReuseOneResolutionUntilRoutingChanges() {
        CountingRouting routing = new CountingRouting();
        FlowResolver resolver = new FlowResolver(routing);
        Flow first = resolved(resolver.resolve(plain(1, 40001)));
        assertEquals(2, routing.routeLookups);
        Flow second = resolved(resolver.resolve(plain(2, 40002)));
        assertEquals(2, routing.routeLookups, "same two hosts: answered from the cache");
        assertEquals(1, resolver.cacheHits());
        // each flow still carries its own tuples, with the shared forwarding
        assertEquals(40002, second.original().tuple().sourcePort());
        assertEquals(40002, second.reply().tuple().destinationPort());
        assertEquals(first.original().egress(), second.original().egress());
        assertEquals(TestFlows.H2_MAC, second.original().destinationMac());
        assertEquals(TestFlows.H1_MAC, second.reply().destinationMac());

        // the neighbour's MAC changes: once the generation moves, the new MAC is used
        MacAddress moved = MacAddress.parse("02:00:00:01:02:99");
        routing.table.neighbours.put("10.1.2.2", moved);
        routing.generation++;
        Flow third = resolved(resolver.resolve(plain(3, 40003)));
        assertEquals(4, routing.routeLookups);
        assertEquals(moved, third.original().destinationMac());

        // another pair of hosts is resolved on its own (VLAN path behind a gateway)
        ConntrackTuple toVlan = tuple("10.1.1.2", 40004, "10.1.3.9", 80);
        Flow vlan = resolved(resolver.resolve(TestFlows.entry(4, toVlan, toVlan.reversed(), 1, TcpState.ESTABLISHED, 300)));
        assertEquals(6, routing.routeLookups);
        assertEquals(7, vlan.original().egress().vlanId());
        assertEquals(Optional.of(TestFlows.R2), vlan.original().egressLower());
        assertEquals(TestFlows.GW_MAC, vlan.original().destinationMac());
    }

    @Test
    void unresolvedAnswersAreNotCachedAndLookupsWithoutGenerationNeverAre() {
        CountingRouting routing = new CountingRouting();
        FlowResolver resolver = new FlowResolver(routing);
        routing.table.neighbours.remove("10.1.2.2");
        assertInstanceOf(Resolution.Unresolved.class, resolver.resolve(plain(1, 40001)));
        routing.table.neighbours.put("10.1.2.2", TestFlows.H2_MAC);
        // no generation change (a lookup may fill the neighbour without a notification): still resolves
        resolved(resolver.resolve(plain(1, 40001)));

        TestFlows.FakeRouting plainTable = new TestFlows.FakeRouting();
        FlowResolver uncached = new FlowResolver(plainTable);
        resolved(uncached.resolve(plain(1, 40001)));
        plainTable.neighbours.put("10.1.2.2", MacAddress.parse("02:00:00:01:02:98"));
        assertEquals(MacAddress.parse("02:00:00:01:02:98"),
                resolved(uncached.resolve(plain(2, 40002))).original().destinationMac());
        assertEquals(0, uncached.cacheHits());
    }

    @Test
    void localAndNatFlowsResolveAsBefore() {
        FlowResolver resolver = new FlowResolver(new CountingRouting());
        ConntrackTuple toRouter = tuple("10.1.1.2", 40001, "10.1.1.1", 22);
        assertEquals(false, assertInstanceOf(Resolution.Unresolved.class,
                resolver.resolve(TestFlows.entry(1, toRouter, toRouter.reversed(), 1, TcpState.ESTABLISHED, 300))).retry());
        // masquerade: the reply goes to the router's r2 address; the reply direction is routed to h1
        ConntrackTuple orig = tuple("10.1.1.2", 40002, "10.1.2.2", 80);
        ConntrackTuple reply = tuple("10.1.2.2", 80, "10.1.2.1", 61000);
        ConntrackEntry nat = TestFlows.entry(2, orig, reply, 1, TcpState.ESTABLISHED, 300);
        Flow f = resolved(resolver.resolve(nat));
        assertEquals("r2", f.original().egress().name());
        assertEquals("r1", f.reply().egress().name());
        assertEquals(reply, f.reply().tuple());
        // same hosts again, from the cache: the NAT flow keeps its own tuples
        Flow again = resolved(resolver.resolve(TestFlows.entry(3, tuple("10.1.1.2", 40003, "10.1.2.2", 80),
                tuple("10.1.2.2", 80, "10.1.2.1", 61001), 1, TcpState.ESTABLISHED, 300)));
        assertEquals(61001, again.reply().tuple().destinationPort());
        assertEquals(1, resolver.cacheHits());
    }
}
