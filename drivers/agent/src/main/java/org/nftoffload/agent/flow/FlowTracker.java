package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackEvent;
import org.nftoffload.linux.conntrack.TcpState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's view of the flows it reports, driven by conntrack events. Its lifecycle follows
 * nf_flow_table: an entry becomes a flow when the selector picks it and routing resolves it
 * ({@link FlowEvents#added}); it ends at a TCP FIN or RST seen by conntrack, or when conntrack
 * destroys the entry ({@link FlowEvents#deleted} with the reason). Entries whose next hop is not
 * resolved yet wait in a bounded pending set and are retried after routing changes.
 *
 * <p>All methods are synchronized on the tracker: the resync path takes a snapshot under the same
 * lock so that no event falls between the snapshot and the queue.
 */
public final class FlowTracker {
    private static final Logger LOG = LoggerFactory.getLogger(FlowTracker.class);
    /** Entries waiting for a neighbour are capped: beyond this, the oldest are forgotten (a later event retries). */
    private static final int MAX_PENDING = 65_536;
    /** Slack when deciding whether a destroyed entry had reached its timeout. */
    private static final long EXPIRY_SLACK_MILLIS = 1_000;

    /** A reported flow and what the agent knows of it since. */
    public static final class Tracked {
        private Flow flow;
        private Instant expiresAt;
        private boolean offloaded;
        private long packets;
        private long lastUsedMillis;

        Tracked(Flow flow, Instant expiresAt) {
            this.flow = flow;
            this.expiresAt = expiresAt;
        }

        /** The flow as reported. */
        public Flow flow() {
            return flow;
        }

        /** Whether the controller said the flow is in hardware. */
        public boolean offloaded() {
            return offloaded;
        }

        /** When conntrack will expire the entry at the earliest, as far as the agent knows. */
        public Instant expiresAt() {
            return expiresAt;
        }
    }

    private final FlowResolver resolver;
    private final FlowEvents events;
    private final Clock clock;
    private FlowSelector selector;
    private final Map<FlowKey, Tracked> reported = new HashMap<>();
    private final Map<FlowKey, ConntrackEntry> pending = new LinkedHashMap<>();
    /** Flows that ended by FIN/RST: their entry lives on for a while, but they are never reported again. */
    private final Set<FlowKey> ended = new HashSet<>();

    public FlowTracker(FlowResolver resolver, FlowSelector selector, FlowEvents events, Clock clock) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.selector = Objects.requireNonNull(selector, "selector");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Replaces the selector (a new offload policy); applies to events from now on. */
    public synchronized void setSelector(FlowSelector selector) {
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    /** Handles one conntrack event or dump entry. */
    public synchronized void onEvent(ConntrackEvent event) {
        ConntrackEntry entry = event.entry();
        FlowKey key = FlowKey.of(entry);
        if (event.type() == ConntrackEvent.Type.DESTROY) {
            destroyed(key, entry, event.portId());
            return;
        }
        if (!ended.isEmpty() && ended.contains(key)) {
            return;
        }
        Optional<TcpState> tcp = entry.tcpState();
        boolean closing = tcp.isPresent() && (tcp.get().isClosingByFin() || tcp.get() == TcpState.CLOSE);
        Tracked tracked = reported.get(key);
        if (tracked != null) {
            if (closing) {
                reported.remove(key);
                ended.add(key);
                events.deleted(key, entry.id(), tcp.get() == TcpState.CLOSE ? DeleteReason.RST : DeleteReason.FIN);
            } else if (entry.timeoutSeconds() >= 0) {
                tracked.expiresAt = clock.instant().plusSeconds(entry.timeoutSeconds());
            }
            return;
        }
        if (closing) {
            pending.remove(key);
            ended.add(key);
            return;
        }
        consider(key, entry);
    }

    private void consider(FlowKey key, ConntrackEntry entry) {
        if (!selector.candidate(entry)) {
            forgetPending(key);
            return;
        }
        switch (resolver.resolve(entry)) {
            case Resolution.Resolved r -> {
                forgetPending(key);
                if (selector.accepts(r.flow())) {
                    Instant expiry = clock.instant().plusSeconds(Math.max(0, entry.timeoutSeconds()));
                    reported.put(key, new Tracked(r.flow(), expiry));
                    events.added(r.flow());
                }
            }
            case Resolution.Unresolved u when u.retry() -> {
                if (pending.put(key, entry) == null) {
                    LOG.debug("flow {} waits: {}", entry, u.reason());
                }
                if (pending.size() > MAX_PENDING) {
                    FlowKey oldest = pending.keySet().iterator().next();
                    pending.remove(oldest);
                }
            }
            case Resolution.Unresolved u -> {
                forgetPending(key);
                LOG.debug("flow {} not reported: {}", entry, u.reason());
            }
        }
    }

    /** Removes {@code key} from the pending set; most of the time the set is empty and the key is not even hashed. */
    private void forgetPending(FlowKey key) {
        if (!pending.isEmpty()) {
            pending.remove(key);
        }
    }

    private void destroyed(FlowKey key, ConntrackEntry entry, int portId) {
        forgetPending(key);
        if (!ended.isEmpty()) {
            ended.remove(key);
        }
        Tracked tracked = reported.remove(key);
        if (tracked == null) {
            return;
        }
        // conntrack says nothing about why it destroyed an entry. A request from a netlink socket
        // (conntrack -D) carries the sender's port id; expiry is the kernel acting alone, and only
        // after the timeout we last knew of (packets extend it silently, never shorten it).
        boolean expired = portId == 0
                && !clock.instant().plusMillis(EXPIRY_SLACK_MILLIS).isBefore(tracked.expiresAt);
        events.deleted(key, entry.id(), expired ? DeleteReason.TIMEOUT : DeleteReason.DESTROYED);
    }

    /** Retries entries that were waiting for routing (call after routing changes). */
    public synchronized void retryPending() {
        if (pending.isEmpty()) {
            return;
        }
        for (Map.Entry<FlowKey, ConntrackEntry> e : new ArrayList<>(pending.entrySet())) {
            consider(e.getKey(), e.getValue());
        }
    }

    /**
     * Brings the view in line with a full dump after events were lost: flows no longer in the table
     * are reported destroyed, every dumped entry is considered again.
     */
    public synchronized void reconcile(List<ConntrackEntry> dump) {
        Set<FlowKey> present = new HashSet<>();
        for (ConntrackEntry e : dump) {
            present.add(FlowKey.of(e));
        }
        for (FlowKey key : new ArrayList<>(reported.keySet())) {
            if (!present.contains(key)) {
                Tracked t = reported.remove(key);
                events.deleted(key, t.flow.entry().id(), DeleteReason.DESTROYED);
            }
        }
        ended.retainAll(present);
        pending.keySet().retainAll(present);
        for (ConntrackEntry e : dump) {
            onEvent(new ConntrackEvent(ConntrackEvent.Type.DUMP, e, 0));
        }
    }

    /** The flows currently reported, for a Resync. */
    public synchronized List<Flow> snapshot() {
        List<Flow> flows = new ArrayList<>(reported.size());
        for (Tracked t : reported.values()) {
            flows.add(t.flow);
        }
        return flows;
    }

    /** The reported flow with {@code key}. */
    public synchronized Optional<Tracked> get(FlowKey key) {
        return Optional.ofNullable(reported.get(key));
    }

    /** Records the controller's verdict. */
    public synchronized void verdict(FlowKey key, boolean offloaded, String reason) {
        Tracked t = reported.get(key);
        if (t == null) {
            return;
        }
        t.offloaded = offloaded;
        if (!offloaded) {
            LOG.info("controller rejected flow {}: {}", t.flow.entry(), reason);
        }
    }

    /** The controller took the flow out of hardware: conntrack ages it normally from now on. */
    public synchronized void removedByController(FlowKey key, String reason) {
        Tracked t = reported.get(key);
        if (t != null) {
            t.offloaded = false;
            LOG.debug("controller removed flow {} from hardware: {}", t.flow.entry(), reason);
        }
    }

    /**
     * Decides whether hardware activity warrants a conntrack timeout refresh: true when the counters or
     * the last-used time moved since the last report. Records the new values.
     */
    public synchronized Optional<Flow> activity(FlowKey key, long lastUsedMillis, long packets) {
        Tracked t = reported.get(key);
        if (t == null) {
            return Optional.empty();
        }
        boolean active = packets > t.packets || lastUsedMillis > t.lastUsedMillis;
        t.packets = Math.max(t.packets, packets);
        t.lastUsedMillis = Math.max(t.lastUsedMillis, lastUsedMillis);
        return active ? Optional.of(t.flow) : Optional.empty();
    }

    /** Notes that the entry's timeout was set to {@code seconds} now. */
    public synchronized void refreshed(FlowKey key, long seconds) {
        Tracked t = reported.get(key);
        if (t != null) {
            t.expiresAt = clock.instant().plusSeconds(seconds);
        }
    }

    /** How many flows are reported. */
    public synchronized int size() {
        return reported.size();
    }

    /** How many entries wait for routing. */
    public synchronized int pendingCount() {
        return pending.size();
    }
}
