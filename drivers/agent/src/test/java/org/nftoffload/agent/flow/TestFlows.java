package org.nftoffload.agent.flow;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackEvent;
import org.nftoffload.linux.conntrack.ConntrackStatus;
import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.conntrack.TcpState;
import org.nftoffload.linux.route.Link;
import org.nftoffload.linux.route.MacAddress;
import org.nftoffload.linux.route.Route;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Test fixtures: a routing table shaped like the namespace lab (10.1.1.0/24 on r1, 10.1.2.0/24 on r2,
 * 10.1.3.0/24 behind a gateway on VLAN interface r2.7) and conntrack entries between those hosts.
 */
public final class TestFlows {
    public static final Link R1 = new Link(11, "r1", MacAddress.parse("02:00:00:01:01:01"), "veth", 0, 0, true);
    public static final Link R2 = new Link(12, "r2", MacAddress.parse("02:00:00:01:02:01"), "veth", 0, 0, true);
    public static final Link R2_VLAN = new Link(13, "r2.7", MacAddress.parse("02:00:00:01:02:01"), "vlan", 7, 12, true);
    public static final MacAddress H1_MAC = MacAddress.parse("02:00:00:01:01:02");
    public static final MacAddress H2_MAC = MacAddress.parse("02:00:00:01:02:02");
    public static final MacAddress GW_MAC = MacAddress.parse("02:00:00:01:03:fe");

    private TestFlows() {
    }

    public static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The lab's routing, with neighbours that can be removed to test pending resolution. */
    public static final class FakeRouting implements RoutingLookup {
        public final Map<String, MacAddress> neighbours = new HashMap<>(Map.of(
                "10.1.1.2", H1_MAC, "10.1.2.2", H2_MAC, "10.1.3.254", GW_MAC));

        @Override
        public Route route(InetAddress destination) throws ErrnoException {
            String a = destination.getHostAddress();
            if (a.startsWith("10.1.1.")) {
                return new Route(destination, R1.index(), Optional.empty(), Optional.empty(), a.equals("10.1.1.1"));
            }
            if (a.startsWith("10.1.2.")) {
                return new Route(destination, R2.index(), Optional.empty(), Optional.empty(), a.equals("10.1.2.1"));
            }
            if (a.startsWith("10.1.3.")) {
                return new Route(destination, R2_VLAN.index(), Optional.of(ip("10.1.3.254")), Optional.empty(), false);
            }
            throw new ErrnoException("route lookup of " + a, 101);
        }

        @Override
        public Optional<Link> link(int index) {
            for (Link l : new Link[] {R1, R2, R2_VLAN}) {
                if (l.index() == index) {
                    return Optional.of(l);
                }
            }
            return Optional.empty();
        }

        @Override
        public Optional<MacAddress> neighbour(int ifindex, InetAddress address) {
            return Optional.ofNullable(neighbours.get(address.getHostAddress()));
        }
    }

    public static ConntrackTuple tuple(String src, int sport, String dst, int dport) {
        return new ConntrackTuple(ip(src), ip(dst), ConntrackTuple.TCP, sport, dport);
    }

    /** An established TCP entry h1:sport -> dst:80 with the given reply tuple, mark and state. */
    public static ConntrackEntry entry(long id, ConntrackTuple original, ConntrackTuple reply, int mark,
                                       TcpState state, long timeout) {
        int status = ConntrackStatus.CONFIRMED.mask() | ConntrackStatus.ASSURED.mask() | ConntrackStatus.SEEN_REPLY.mask();
        return new ConntrackEntry(id, original, reply, status, mark, new byte[0], 0, timeout, Optional.of(state),
                ConntrackEntry.Counters.ZERO, ConntrackEntry.Counters.ZERO);
    }

    /** A plain (no NAT) marked, established connection h1:sport -> h2:80. */
    public static ConntrackEntry plain(long id, int sport) {
        ConntrackTuple orig = tuple("10.1.1.2", sport, "10.1.2.2", 80);
        return entry(id, orig, orig.reversed(), 1, TcpState.ESTABLISHED, 300);
    }

    public static ConntrackEvent event(ConntrackEvent.Type type, ConntrackEntry e) {
        return new ConntrackEvent(type, e, 0);
    }
}
