package org.nftoffload.linux.conntrack;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.TestNamespace;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ctnetlink against the real kernel, inside a namespace the test creates. */
class ConntrackKernelTest {

    private static final String RULESET = """
            table inet nftoffload_test {
              chain out {
                type filter hook output priority 0;
                ct state new ct mark set 0x5
              }
            }
            """;

    @Test
    void eventsDumpTimeoutUpdateAndDelete() throws Exception {
        try (TestNamespace ns = TestNamespace.create("nftoffload-ct")) {
            ns.exec(RULESET, "nft", "-f", "-");
            ns.exec(null, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_acct=1");
            ConntrackEvents events = ns.namespace().call(() -> ConntrackEvents.open(1 << 20));
            Conntrack conntrack = ns.namespace().call(Conntrack::open);
            try {
                InetAddress lo = InetAddress.getByName("127.0.0.1");
                int[] ports = ns.namespace().call(() -> {
                    try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(lo, 0));
                         DatagramSocket b = new DatagramSocket(new InetSocketAddress(lo, 0))) {
                        a.send(new DatagramPacket(new byte[100], 100, b.getLocalSocketAddress()));
                        a.send(new DatagramPacket(new byte[100], 100, b.getLocalSocketAddress()));
                        b.receive(new DatagramPacket(new byte[200], 200));
                        return new int[] {a.getLocalPort(), b.getLocalPort()};
                    }
                });
                ConntrackTuple original = new ConntrackTuple(lo, lo, ConntrackTuple.UDP, ports[0], ports[1]);

                ConntrackEvent created = awaitEvent(events, ConntrackEvent.Type.NEW, original);
                assertEquals(original.reversed(), created.entry().reply());
                assertEquals(0x5, created.entry().mark());
                assertFalse(created.entry().sourceNat());
                assertFalse(created.entry().destinationNat());
                assertTrue(created.entry().has(ConntrackStatus.CONFIRMED));
                assertTrue(created.entry().id() != 0);

                ConntrackEntry dumped = find(conntrack, original).orElseThrow();
                assertEquals(created.entry().id(), dumped.id());
                assertEquals(2, dumped.originalCounters().packets(), "acct counts both datagrams");
                assertEquals(2 * (20 + 8 + 100), dumped.originalCounters().bytes());
                assertTrue(dumped.timeoutSeconds() > 0 && dumped.timeoutSeconds() <= 30, "udp timeout " + dumped);

                assertTrue(conntrack.setTimeout(original, 0, 1000));
                long timeout = find(conntrack, original).orElseThrow().timeoutSeconds();
                assertTrue(timeout > 990 && timeout <= 1000, "timeout after update: " + timeout);

                assertTrue(conntrack.delete(original, 0));
                awaitEvent(events, ConntrackEvent.Type.DESTROY, original);
                assertTrue(find(conntrack, original).isEmpty());
                assertFalse(conntrack.setTimeout(original, 0, 1000), "no entry to update any more");
            } finally {
                events.close();
                conntrack.close();
            }
        }
    }

    private static Optional<ConntrackEntry> find(Conntrack conntrack, ConntrackTuple original) throws Exception {
        List<ConntrackEntry> all = new ArrayList<>();
        conntrack.dump(e -> all.add(e.entry()));
        return all.stream().filter(e -> e.original().equals(original)).findFirst();
    }

    private static ConntrackEvent awaitEvent(ConntrackEvents events, ConntrackEvent.Type type,
                                             ConntrackTuple original) throws Exception {
        List<ConntrackEvent> seen = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<ConntrackEvent> batch = new ArrayList<>();
            events.poll(200, batch::add);
            for (ConntrackEvent e : batch) {
                if (e.type() == type && e.entry().original().equals(original)) {
                    return e;
                }
                seen.add(e);
            }
        }
        throw new AssertionError("no " + type + " event for " + original + "; saw " + seen);
    }
}
