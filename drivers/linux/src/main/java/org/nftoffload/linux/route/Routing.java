package org.nftoffload.linux.route;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkMessage;
import org.nftoffload.linux.netlink.NetlinkSocket;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The routing view of one network namespace through rtnetlink: links, neighbours and route lookups,
 * cached and kept right by the kernel's change notifications (link, neighbour, IPv4/IPv6 route
 * groups). A missed notification (ENOBUFS) reloads everything. Route answers are cached per
 * destination and the cache is dropped on any route or link change, so a lookup is as fresh as the
 * last notification processed.
 *
 * <p>Open it on a thread inside the namespace to watch. Lookups may come from any thread;
 * {@link #processNotifications} must be called by one thread (the agent's event loop).
 */
public final class Routing implements AutoCloseable {
    private record NeighbourKey(int ifindex, InetAddress address) { }

    private final NetlinkSocket requests;
    private final NetlinkSocket notifications;
    private final Map<Integer, Link> links = new ConcurrentHashMap<>();
    private final Map<NeighbourKey, Neighbour> neighbours = new ConcurrentHashMap<>();
    private final Map<InetAddress, Route> routes = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    private Routing(NetlinkSocket requests, NetlinkSocket notifications) {
        this.requests = requests;
        this.notifications = notifications;
    }

    /** Opens the sockets in the calling thread's namespace, subscribes, and loads links and neighbours. */
    public static Routing open() throws ErrnoException {
        NetlinkSocket req = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
        NetlinkSocket notes = null;
        try {
            notes = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
            notes.setReceiveBufferSize(4 << 20);
            for (int group : List.of(RtnetlinkCodec.RTNLGRP_LINK, RtnetlinkCodec.RTNLGRP_NEIGH,
                    RtnetlinkCodec.RTNLGRP_IPV4_ROUTE, RtnetlinkCodec.RTNLGRP_IPV6_ROUTE)) {
                notes.joinGroup(group);
            }
            Routing routing = new Routing(req, notes);
            routing.reload();
            return routing;
        } catch (ErrnoException | RuntimeException e) {
            req.close();
            if (notes != null) {
                notes.close();
            }
            throw e;
        }
    }

    /** Reloads links and neighbours from dumps and forgets cached routes. */
    public synchronized void reload() throws ErrnoException {
        Map<Integer, Link> freshLinks = new ConcurrentHashMap<>();
        int seq = requests.nextSeq();
        requests.request(RtnetlinkCodec.linkDumpRequest(seq), seq, m -> {
            Link l = RtnetlinkCodec.decodeLink(m);
            freshLinks.put(l.index(), l);
        });
        Map<NeighbourKey, Neighbour> freshNeighbours = new ConcurrentHashMap<>();
        seq = requests.nextSeq();
        requests.request(RtnetlinkCodec.neighbourDumpRequest(seq), seq, m ->
                RtnetlinkCodec.decodeNeighbour(m).filter(Neighbour::usable)
                        .ifPresent(n -> freshNeighbours.put(new NeighbourKey(n.ifindex(), n.address()), n)));
        links.keySet().retainAll(freshLinks.keySet());
        links.putAll(freshLinks);
        neighbours.keySet().retainAll(freshNeighbours.keySet());
        neighbours.putAll(freshNeighbours);
        routes.clear();
        generation.incrementAndGet();
    }

    /**
     * A number that changes whenever a route, link or neighbour answer may have changed (a notification
     * applied or a reload), so callers may cache what they derived from lookups and drop it when it moves.
     * A neighbour notification that only refreshes an entry's state, with the same address, leaves it alone.
     */
    public long generation() {
        return generation.get();
    }

    /** The link with index {@code index}, if it exists. */
    public Optional<Link> link(int index) {
        return Optional.ofNullable(links.get(index));
    }

    /** The link named {@code name}, if it exists. */
    public Optional<Link> link(String name) {
        return links.values().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** All links known. */
    public Collection<Link> links() {
        return List.copyOf(links.values());
    }

    /**
     * The route the kernel would use to send to {@code destination}.
     *
     * @throws ErrnoException when there is none (e.g. ENETUNREACH)
     */
    public Route route(InetAddress destination) throws ErrnoException {
        Route cached = routes.get(destination);
        if (cached != null) {
            return cached;
        }
        Route[] answer = new Route[1];
        synchronized (this) {
            int seq = requests.nextSeq();
            requests.request(RtnetlinkCodec.routeGetRequest(seq, destination), seq,
                    m -> answer[0] = RtnetlinkCodec.decodeRoute(destination, m));
        }
        if (answer[0] == null) {
            throw new ErrnoException("route lookup of " + destination.getHostAddress() + " (no answer)", Libc.ENOENT);
        }
        routes.put(destination, answer[0]);
        return answer[0];
    }

    /**
     * The Ethernet address of {@code address} on link {@code ifindex}: from the cache, else asked from
     * the kernel directly. Empty when the kernel has no usable entry.
     */
    public Optional<MacAddress> neighbour(int ifindex, InetAddress address) throws ErrnoException {
        Neighbour n = neighbours.get(new NeighbourKey(ifindex, address));
        if (n != null) {
            return Optional.of(n.mac());
        }
        Neighbour[] answer = new Neighbour[1];
        synchronized (this) {
            int seq = requests.nextSeq();
            try {
                requests.request(RtnetlinkCodec.neighbourGetRequest(seq, ifindex, address), seq,
                        m -> RtnetlinkCodec.decodeNeighbour(m).filter(Neighbour::usable).ifPresent(x -> answer[0] = x));
            } catch (ErrnoException e) {
                if (e.errno() == Libc.ENOENT) {
                    return Optional.empty();
                }
                throw e;
            }
        }
        if (answer[0] == null) {
            return Optional.empty();
        }
        neighbours.put(new NeighbourKey(ifindex, address), answer[0]);
        return Optional.of(answer[0].mac());
    }

    /** The descriptor to poll for notifications. */
    public int notificationFd() {
        return notifications.fd();
    }

    /**
     * Waits up to {@code timeoutMillis} for change notifications and applies them; returns how many
     * were applied. Reloads everything when the kernel reports dropped notifications.
     */
    public int processNotifications(int timeoutMillis) throws ErrnoException {
        ByteBuffer datagram;
        try {
            datagram = notifications.receive(timeoutMillis);
        } catch (ErrnoException e) {
            if (e.errno() == Libc.ENOBUFS) {
                reload();
                return 1;
            }
            throw e;
        }
        if (datagram == null) {
            return 0;
        }
        int[] count = {0};
        Netlink.forEachMessage(datagram, m -> {
            apply(m);
            count[0]++;
        });
        return count[0];
    }

    private void apply(NetlinkMessage m) {
        switch (m.type()) {
            case RtnetlinkCodec.RTM_NEWLINK -> {
                Link l = RtnetlinkCodec.decodeLink(m);
                links.put(l.index(), l);
                routes.clear();
                generation.incrementAndGet();
            }
            case RtnetlinkCodec.RTM_DELLINK -> {
                Link l = RtnetlinkCodec.decodeLink(m);
                links.remove(l.index());
                neighbours.keySet().removeIf(k -> k.ifindex() == l.index());
                routes.clear();
                generation.incrementAndGet();
            }
            case RtnetlinkCodec.RTM_NEWNEIGH -> RtnetlinkCodec.decodeNeighbour(m).ifPresent(n -> {
                NeighbourKey key = new NeighbourKey(n.ifindex(), n.address());
                Neighbour before = n.usable() ? neighbours.put(key, n) : neighbours.remove(key);
                // reachable -> stale -> reachable with the same MAC changes no answer
                if (n.usable() ? before == null || !before.mac().equals(n.mac()) : before != null) {
                    generation.incrementAndGet();
                }
            });
            case RtnetlinkCodec.RTM_DELNEIGH -> RtnetlinkCodec.decodeNeighbourAddress(m).ifPresent(a -> {
                if (neighbours.remove(new NeighbourKey(m.payload().getInt(4), a)) != null) {
                    generation.incrementAndGet();
                }
            });
            case RtnetlinkCodec.RTM_NEWROUTE, RtnetlinkCodec.RTM_DELROUTE -> {
                routes.clear();
                generation.incrementAndGet();
            }
            default -> {
                // other rtnetlink messages are not subscribed to; ignore stragglers
            }
        }
    }

    @Override
    public void close() {
        requests.close();
        notifications.close();
    }
}
