package org.nftoffload.linux.route;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.TestNamespace;

import java.net.InetAddress;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** rtnetlink links, routes and neighbours against the real kernel, with notifications keeping the caches right. */
class RoutingKernelTest {

    @Test
    void linksRoutesAndNeighboursFollowTheKernel() throws Exception {
        try (TestNamespace a = TestNamespace.create("nftoffload-rt-a");
             TestNamespace b = TestNamespace.create("nftoffload-rt-b")) {
            a.exec(null, "ip", "link", "add", "va", "address", "02:00:00:00:00:0a", "type", "veth",
                    "peer", "name", "vb", "netns", b.name());
            a.exec(null, "ip", "addr", "add", "10.9.0.1/24", "dev", "va");
            a.exec(null, "ip", "link", "set", "va", "up");
            b.exec(null, "ip", "addr", "add", "10.9.0.2/24", "dev", "vb");
            b.exec(null, "ip", "link", "set", "vb", "up");
            a.exec(null, "ip", "route", "add", "10.99.0.0/16", "via", "10.9.0.2");

            Routing routing = a.namespace().call(Routing::open);
            try {
                Link va = routing.link("va").orElseThrow();
                assertEquals(MacAddress.parse("02:00:00:00:00:0a"), va.mac());
                assertEquals("veth", va.kind());
                assertTrue(va.up());
                assertEquals(0, va.vlanId());
                assertEquals(va, routing.link(va.index()).orElseThrow());

                Route onLink = routing.route(InetAddress.getByName("10.9.0.2"));
                assertEquals(va.index(), onLink.outputIndex());
                assertEquals(Optional.empty(), onLink.gateway());
                assertEquals(InetAddress.getByName("10.9.0.2"), onLink.nextHop());
                assertEquals(Optional.of(InetAddress.getByName("10.9.0.1")), onLink.preferredSource());
                assertFalse(onLink.local());

                Route viaGateway = routing.route(InetAddress.getByName("10.99.1.1"));
                assertEquals(Optional.of(InetAddress.getByName("10.9.0.2")), viaGateway.gateway());
                assertTrue(routing.route(InetAddress.getByName("10.9.0.1")).local());
                ErrnoException unreachable = assertThrows(ErrnoException.class,
                        () -> routing.route(InetAddress.getByName("192.0.2.1")));
                assertEquals(101 /* ENETUNREACH */, unreachable.errno());

                InetAddress neighbour = InetAddress.getByName("10.9.0.5");
                assertEquals(Optional.empty(), routing.neighbour(va.index(), neighbour));
                long before = routing.generation();
                a.exec(null, "ip", "neigh", "add", "10.9.0.5", "lladdr", "02:00:00:00:00:05", "dev", "va");
                awaitNotifications(routing, () -> routing.neighbour(va.index(), neighbour).isPresent());
                assertEquals(Optional.of(MacAddress.parse("02:00:00:00:00:05")), routing.neighbour(va.index(), neighbour));
                assertTrue(routing.generation() > before, "a new neighbour moves the generation (derived answers are stale)");

                a.exec(null, "ip", "route", "add", "10.98.0.0/16", "via", "10.9.0.5");
                awaitNotifications(routing, () -> routing.route(InetAddress.getByName("10.98.1.1")).gateway().isPresent());
                assertEquals(Optional.of(neighbour), routing.route(InetAddress.getByName("10.98.1.1")).gateway());
                // a changed route replaces the cached answer
                long beforeReplace = routing.generation();
                a.exec(null, "ip", "route", "replace", "10.98.0.0/16", "via", "10.9.0.2");
                awaitNotifications(routing, () -> routing.route(InetAddress.getByName("10.98.1.1")).gateway()
                        .equals(Optional.of(InetAddress.getByName("10.9.0.2"))));
                assertTrue(routing.generation() > beforeReplace, "a route change moves the generation");

                a.exec(null, "ip", "neigh", "del", "10.9.0.5", "dev", "va");
                awaitNotifications(routing, () -> routing.neighbour(va.index(), neighbour).isEmpty());

                a.exec(null, "ip", "link", "set", "va", "address", "02:00:00:00:00:1a");
                awaitNotifications(routing, () -> routing.link("va").orElseThrow().mac()
                        .equals(MacAddress.parse("02:00:00:00:00:1a")));
            } finally {
                routing.close();
            }
        }
    }

    private interface Check {
        boolean test() throws Exception;
    }

    private static void awaitNotifications(Routing routing, Check condition) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            routing.processNotifications(100);
            if (condition.test()) {
                return;
            }
        }
        throw new AssertionError("the routing view did not follow the change within 5 s");
    }
}
