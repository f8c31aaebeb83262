package org.nftoffload.agent.representor;

import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.NetworkNamespace;
import org.nftoffload.linux.tap.Tap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's representor interfaces: one TAP per switch port, in the watched namespace, so the kernel's
 * nftables, conntrack and routing see the switch's slow-path traffic as if it arrived on that port (the
 * switchdev model). {@link #deliver} puts a frame the switch punted (packet_in) on the representor of its
 * ingress port; one reader thread polls every TAP and hands what the kernel transmits to a
 * {@link PacketOutSink} (packet_out on the representor's port).
 *
 * <p>The TAPs exist while this object is open: closing it removes the interfaces, and with them the
 * addresses and routes configured on them.
 */
public final class Representors implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Representors.class);
    /** packet_in reason of ACL log copies: the original is forwarded by the switch, the copy is only for logs. */
    static final int REASON_ACL_LOG = 6;
    /** Largest frame read from a TAP (jumbo frames included). */
    private static final int MAX_FRAME = 65_536;

    private final List<Entry> entries;
    private final Map<String, Entry> byPort = new HashMap<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong transmitted = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean running = true;
    private Thread reader;

    private record Entry(AgentConfig.Representor config, Tap tap) {
    }

    private Representors(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        for (Entry e : entries) {
            byPort.put(key(e.config().device(), e.config().port()), e);
        }
    }

    private static String key(String device, int port) {
        return device + "/" + port;
    }

    /**
     * Creates the TAPs of {@code representors} in network namespace {@code namespace} ({@code ip netns}
     * name; "" for the agent's own). Nothing is left behind when one of them cannot be created.
     */
    public static Representors open(String namespace, List<AgentConfig.Representor> representors) throws Exception {
        List<Entry> made = new ArrayList<>();
        try {
            for (AgentConfig.Representor r : representors) {
                Tap tap = namespace.isEmpty() ? Tap.create(r.name())
                        : NetworkNamespace.named(namespace).call(() -> Tap.create(r.name()));
                made.add(new Entry(r, tap));
                LOG.info("representor {} for device {} port {} created{}", r.name(), r.device(), r.port(),
                        namespace.isEmpty() ? "" : " in namespace " + namespace);
            }
        } catch (Exception | Error e) {
            made.forEach(x -> x.tap().close());
            throw e;
        }
        return new Representors(made);
    }

    /** The representors, in config order. */
    public List<AgentConfig.Representor> representors() {
        return entries.stream().map(Entry::config).toList();
    }

    /** Starts the thread that reads the TAPs and hands frames to {@code sink}; nothing to do without TAPs. */
    public synchronized void start(PacketOutSink sink) {
        if (reader != null || entries.isEmpty()) {
            return;
        }
        reader = Thread.ofPlatform().name("agent-representors").daemon().start(() -> readLoop(sink));
    }

    /**
     * Delivers a frame the switch punted from {@code port} of {@code device} to the kernel on that port's
     * representor. Returns false when the frame is not for this agent or is an ACL log copy (never forwarded).
     */
    public boolean deliver(String device, int port, int reason, byte[] frame) {
        Entry e = byPort.get(key(device, port));
        if (e == null || reason == REASON_ACL_LOG) {
            dropped.incrementAndGet();
            return false;
        }
        try {
            e.tap().write(frame);
            delivered.incrementAndGet();
            return true;
        } catch (ErrnoException ex) {
            dropped.incrementAndGet();
            LOG.debug("representor {}: {}", e.config().name(), ex.getMessage());
            return false;
        }
    }

    /** Frames delivered to the kernel so far. */
    public long delivered() {
        return delivered.get();
    }

    /** Frames the kernel sent that were handed to the sink so far. */
    public long transmitted() {
        return transmitted.get();
    }

    /** Frames dropped in either direction. */
    public long dropped() {
        return dropped.get();
    }

    private void readLoop(PacketOutSink sink) {
        int n = entries.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(Libc.POLLFD, n);
            MemorySegment buf = arena.allocate(MAX_FRAME);
            long size = Libc.POLLFD.byteSize();
            while (running) {
                for (int i = 0; i < n; i++) {
                    fds.set(ValueLayout.JAVA_INT, i * size, entries.get(i).tap().fd());
                    fds.set(ValueLayout.JAVA_SHORT, i * size + 4, Libc.POLLIN);
                    fds.set(ValueLayout.JAVA_SHORT, i * size + 6, (short) 0);
                }
                if (Libc.poll(fds, n, 100) == 0) {
                    continue;
                }
                for (int i = 0; i < n && running; i++) {
                    if ((fds.get(ValueLayout.JAVA_SHORT, i * size + 6) & Libc.POLLIN) == 0) {
                        continue;
                    }
                    Entry e = entries.get(i);
                    // drain a bounded number per wake-up so one busy port does not starve the others
                    for (int k = 0; k < 64; k++) {
                        int len = e.tap().read(buf);
                        if (len < 0) {
                            break;
                        }
                        byte[] frame = buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
                        if (sink.packetOut(e.config().device(), e.config().port(), frame)) {
                            transmitted.incrementAndGet();
                        } else {
                            dropped.incrementAndGet();
                        }
                    }
                }
            }
        } catch (ErrnoException ex) {
            if (running) {
                LOG.error("representor reader stopped: {}", ex.getMessage());
            }
        }
    }

    /** Stops the reader and removes the interfaces. */
    @Override
    public void close() {
        running = false;
        Thread t;
        synchronized (this) {
            t = reader;
        }
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        entries.forEach(e -> e.tap().close());
    }
}
