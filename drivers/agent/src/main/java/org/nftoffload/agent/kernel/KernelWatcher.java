package org.nftoffload.agent.kernel;

import org.nftoffload.agent.controller.Outbox;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.NetworkNamespace;
import org.nftoffload.linux.conntrack.Conntrack;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackEvents;
import org.nftoffload.linux.route.Routing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's kernel side: netlink sockets for conntrack (events + requests) and routing, opened
 * inside the watched namespace, and the one event-loop thread that feeds the {@link FlowTracker}.
 *
 * <p>Namespace: the sockets are created by {@link NetworkNamespace#call}, on a short-lived thread that
 * setns(2)-ed into {@code /var/run/netns/NAME}. A netlink socket stays bound to the namespace it was
 * created in, so the rest of the agent (gRPC, the event loop) runs in the agent's own namespace and
 * can still reach a controller on its loopback. With no namespace configured the sockets watch the
 * agent's own namespace.
 *
 * <p>Order of work in the loop: routing notifications first (so a neighbour that became reachable is
 * known before the conntrack update that depends on it), then conntrack events. A kernel overflow
 * (ENOBUFS) is answered with a full dump, a reconcile of the tracker and a resync of the controller.
 */
public final class KernelWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelWatcher.class);

    private final String namespace;
    private final Conntrack conntrack;
    private final ConntrackEvents events;
    private final Routing routing;
    private final AtomicBoolean dumpRequested = new AtomicBoolean();
    private final AtomicLong eventsHandled = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean paused;
    private Thread thread;

    private KernelWatcher(String namespace, Conntrack conntrack, ConntrackEvents events, Routing routing) {
        this.namespace = namespace;
        this.conntrack = conntrack;
        this.events = events;
        this.routing = routing;
    }

    /** Opens the sockets in {@code namespace} ("" for the agent's own). */
    public static KernelWatcher open(String namespace, int receiveBufferBytes) throws Exception {
        if (namespace.isEmpty()) {
            return openHere(namespace, receiveBufferBytes);
        }
        return NetworkNamespace.named(namespace).call(() -> openHere(namespace, receiveBufferBytes));
    }

    private static KernelWatcher openHere(String namespace, int receiveBufferBytes) throws ErrnoException {
        ConntrackEvents events = ConntrackEvents.open(receiveBufferBytes);
        Conntrack conntrack = null;
        try {
            conntrack = Conntrack.open();
            Routing routing = Routing.open();
            return new KernelWatcher(namespace, conntrack, events, routing);
        } catch (ErrnoException | RuntimeException e) {
            events.close();
            if (conntrack != null) {
                conntrack.close();
            }
            throw e;
        }
    }

    /** The conntrack request client (timeout refreshes). */
    public Conntrack conntrack() {
        return conntrack;
    }

    /** The routing view. */
    public Routing routing() {
        return routing;
    }

    /** Conntrack events handled so far (dump entries included). */
    public long eventsHandled() {
        return eventsHandled.get();
    }

    /** Kernel notification overflows seen. */
    public long overflows() {
        return overflows.get();
    }

    /**
     * Stops reading notifications until {@link #resume}: the kernel queues them in the socket (up to
     * {@code conntrack.receiveBufferBytes}; beyond that the usual overflow handling resyncs). Used to
     * measure how fast the agent drains a backlog.
     */
    public void pause() {
        paused = true;
    }

    /** Reads notifications again. */
    public void resume() {
        paused = false;
    }

    /** Asks the loop to re-read the whole table (e.g. after a policy change). */
    public void requestDump() {
        dumpRequested.set(true);
    }

    /** Dumps the table into the tracker and starts the event loop. */
    public synchronized void start(FlowTracker tracker, Outbox outbox) throws ErrnoException {
        String where = namespace.isEmpty() ? "this network namespace" : "network namespace " + namespace;
        LOG.info("watching conntrack (NEW, UPDATE, DESTROY) and routes, neighbours, links in {}: {} links",
                where, routing.links().size());
        int initial = dumpInto(tracker);
        LOG.info("initial conntrack dump: {} entries, {} flows selected", initial, tracker.size());
        thread = Thread.ofPlatform().name("agent-kernel-events").daemon().start(() -> loop(tracker, outbox));
    }

    private int dumpInto(FlowTracker tracker) throws ErrnoException {
        List<ConntrackEntry> all = new ArrayList<>();
        conntrack.dump(e -> all.add(e.entry()));
        tracker.reconcile(all);
        eventsHandled.addAndGet(all.size());
        return all.size();
    }

    /**
     * Empties the notification queue before the dump. The kernel reports ENOBUFS once and then drops silently
     * until the queue has been drained (netlink's congested state), so a dump taken with the queue still full
     * could miss flows whose events are dropped afterwards without a second report. Drained events are handled;
     * the dump that follows makes the tracker right either way.
     */
    private void drain(FlowTracker tracker) throws ErrnoException {
        for (int i = 0; i < 1_000_000; i++) {
            try {
                int n = events.poll(0, tracker::onEvent);
                if (n == 0) {
                    return;
                }
                eventsHandled.addAndGet(n);
            } catch (ConntrackEvents.OverflowException again) {
                overflows.incrementAndGet(); // covered by the dump that follows
            }
        }
    }

    private void loop(FlowTracker tracker, Outbox outbox) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(Libc.POLLFD, 2);
            fds.set(ValueLayout.JAVA_INT, 0, routing.notificationFd());
            fds.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
            fds.set(ValueLayout.JAVA_INT, 8, eventsFd());
            fds.set(ValueLayout.JAVA_SHORT, 12, Libc.POLLIN);
            while (running) {
                try {
                    if (dumpRequested.getAndSet(false)) {
                        dumpInto(tracker);
                        outbox.requestResync();
                    }
                    if (paused) {
                        Thread.sleep(5);
                        continue;
                    }
                    fds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                    fds.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
                    if (Libc.poll(fds, 2, 200) == 0) {
                        continue;
                    }
                    if (fds.get(ValueLayout.JAVA_SHORT, 6) != 0) {
                        int changes = 0;
                        while (routing.processNotifications(0) > 0 && changes++ < 1000) {
                            // drain what is queued
                        }
                        tracker.retryPending();
                    }
                    if (fds.get(ValueLayout.JAVA_SHORT, 14) != 0) {
                        for (int batch = 0; batch < 256; batch++) {
                            int n = events.poll(0, tracker::onEvent);
                            if (n == 0) {
                                break;
                            }
                            eventsHandled.addAndGet(n);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ConntrackEvents.OverflowException e) {
                    overflows.incrementAndGet();
                    LOG.warn("{}; re-reading the conntrack table and resyncing the controller", e.getMessage());
                    try {
                        drain(tracker);
                        dumpInto(tracker);
                    } catch (ErrnoException dumpFailed) {
                        LOG.error("conntrack dump failed: {}", dumpFailed.getMessage());
                    }
                    outbox.requestResync();
                } catch (ErrnoException e) {
                    if (!running) {
                        return;
                    }
                    LOG.error("netlink failed: {}", e.getMessage());
                } catch (RuntimeException e) {
                    // a message we cannot decode must not stop the agent watching
                    LOG.error("could not handle a kernel message", e);
                }
            }
        }
    }

    private int eventsFd() {
        return events.fd();
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        events.close();
        conntrack.close();
        routing.close();
    }
}
