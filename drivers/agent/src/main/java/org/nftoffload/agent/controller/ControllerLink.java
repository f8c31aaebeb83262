package org.nftoffload.agent.controller;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.nftoffload.agent.flow.Flow;
import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowActivity;
import org.nftoffload.agent.v1.FlowAgentGrpc;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowEvents;
import org.nftoffload.agent.v1.FlowNotice;
import org.nftoffload.agent.v1.FlowRemoved;
import org.nftoffload.agent.v1.FlowVerdict;
import org.nftoffload.agent.v1.Hello;
import org.nftoffload.agent.v1.Resync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's end of the FlowAgent.Connect stream. One thread owns the stream: it connects, sends
 * Hello and a full Resync (snapshot of the tracker taken under the tracker's lock while the outbox
 * is cleared, so nothing falls in between), then forwards the outbox. It only takes events from the
 * outbox while gRPC can send them ({@code isReady}), so a slow controller fills the bounded outbox,
 * which then asks for a resync instead of buffering without limit. A broken stream is reopened after
 * an exponential backoff timed by the injected clock; a HelloAck resets the backoff.
 */
public final class ControllerLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerLink.class);

    /** Events per FlowEvents message at most. */
    private static final int MAX_BATCH = 512;
    /** Bytes gRPC may buffer before isReady() turns false: a few batches, so the pipe stays full. */
    private static final int ON_READY_THRESHOLD = 1 << 20;

    private final FlowAgentGrpc.FlowAgentStub stub;
    private final String target;
    private final Hello hello;
    private final FlowTracker tracker;
    private final Outbox outbox;
    private final ControllerHandler handler;
    private final Backoff backoff;
    private final Clock clock;
    private final int resyncChunk;
    private final Object signal = new Object();
    /** gRPC stream observers are not thread-safe: the link thread and the representor reader both write. */
    private final Object writeLock = new Object();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong connects = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean broken;
    private volatile String lastError = "stream closed by the controller";
    private volatile ClientCallStreamObserver<AgentMessage> stream;
    private Thread thread;

    public ControllerLink(Channel channel, String target, Hello hello, FlowTracker tracker, Outbox outbox,
                          ControllerHandler handler, Backoff backoff, Clock clock, int resyncChunk) {
        this.stub = FlowAgentGrpc.newStub(Objects.requireNonNull(channel, "channel")).withOnReadyThreshold(ON_READY_THRESHOLD);
        this.target = target;
        this.hello = hello;
        this.tracker = tracker;
        this.outbox = outbox;
        this.handler = handler;
        this.backoff = backoff;
        this.clock = clock;
        this.resyncChunk = resyncChunk;
    }

    /** Starts the link thread. */
    public synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().name("agent-controller-link").daemon().start(this::run);
        }
    }

    /** Flow events and control messages written to the stream so far (all connections). */
    public long sent() {
        return sent.get();
    }

    /** Streams opened so far. */
    public long connects() {
        return connects.get();
    }

    /** Whether a stream is open. */
    public boolean connected() {
        return stream != null && !broken;
    }

    private void run() {
        long nextAttemptAt = clock.millis();
        while (running) {
            try {
                ClientCallStreamObserver<AgentMessage> s = stream;
                if (s == null) {
                    // while disconnected the outbox is moot: the Resync on connect carries the whole state
                    outbox.clear();
                    long wait = nextAttemptAt - clock.millis();
                    if (wait > 0) {
                        await(Math.min(wait, 100));
                        continue;
                    }
                    connect();
                    continue;
                }
                if (broken) {
                    stream = null;
                    long delay = backoff.next().toMillis();
                    nextAttemptAt = clock.millis() + delay;
                    LOG.warn("no stream to the controller at {} ({}); reconnecting in {} ms", target, lastError, delay);
                    continue;
                }
                if (outbox.takeResync()) {
                    LOG.warn("flow events were dropped (queue full or kernel overflow); resyncing the controller");
                    resync(s);
                    continue;
                }
                if (!s.isReady()) {
                    await(10);
                    continue;
                }
                FlowEvent first = outbox.poll(100);
                if (first != null) {
                    // batch what is already queued: one message per event costs the controller as much as the agent
                    FlowEvents.Builder batch = FlowEvents.newBuilder().addEvents(first);
                    FlowEvent next;
                    while (batch.getEventsCount() < MAX_BATCH && (next = outbox.poll()) != null) {
                        batch.addEvents(next);
                    }
                    write(s, AgentMessage.newBuilder().setEvents(batch).build());
                    sent.addAndGet(batch.getEventsCount());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // a stream closed under our feet throws from onNext: treat like an error reply
                LOG.debug("stream write failed", e);
                broken = true;
            }
        }
    }

    private void write(ClientCallStreamObserver<AgentMessage> s, AgentMessage m) {
        synchronized (writeLock) {
            s.onNext(m);
        }
    }

    /**
     * Sends a frame the kernel transmitted on a representor to the controller, for packet_out on
     * {@code port} of {@code device}. Dropped (false) while there is no stream or gRPC's buffer is full,
     * as a NIC drops when its queue is: the kernel's protocols retransmit.
     */
    public boolean packetOut(String device, int port, byte[] frame) {
        ClientCallStreamObserver<AgentMessage> s = stream;
        if (s == null || broken || !s.isReady()) {
            return false;
        }
        try {
            write(s, AgentMessage.newBuilder().setPacketOut(org.nftoffload.agent.v1.PacketOut.newBuilder()
                    .setDevice(device).setPort(port).setPayload(com.google.protobuf.ByteString.copyFrom(frame))).build());
            return true;
        } catch (RuntimeException e) {
            LOG.debug("packet_out write failed", e);
            return false;
        }
    }

    private void await(long millis) throws InterruptedException {
        synchronized (signal) {
            signal.wait(Math.max(1, millis));
        }
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void connect() {
        broken = false;
        connects.incrementAndGet();
        if (connects.get() == 1) {
            LOG.info("connecting to controller at {} as agent {}", target, hello.getAgentId());
        } else {
            LOG.debug("connecting to controller at {} as agent {}", target, hello.getAgentId());
        }
        ClientCallStreamObserver<AgentMessage>[] holder = newHolder();
        stub.connect(new ClientResponseObserver<AgentMessage, ControllerMessage>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
                holder[0] = requestStream;
                requestStream.setOnReadyHandler(ControllerLink.this::wake);
            }

            @Override
            public void onNext(ControllerMessage message) {
                dispatch(message);
            }

            @Override
            public void onError(Throwable t) {
                lastError = io.grpc.Status.fromThrowable(t).toString();
                broken = true;
                wake();
            }

            @Override
            public void onCompleted() {
                lastError = "stream closed by the controller";
                broken = true;
                wake();
            }
        });
        ClientCallStreamObserver<AgentMessage> s = holder[0];
        write(s, AgentMessage.newBuilder().setHello(hello).build());
        sent.incrementAndGet();
        resync(s);
        stream = s;
    }

    @SuppressWarnings("unchecked")
    private static ClientCallStreamObserver<AgentMessage>[] newHolder() {
        return new ClientCallStreamObserver[1];
    }

    private void resync(ClientCallStreamObserver<AgentMessage> s) {
        List<Flow> flows;
        synchronized (tracker) {
            outbox.clear();
            outbox.takeResync();
            flows = tracker.snapshot();
        }
        long gen = generation.incrementAndGet();
        int i = 0;
        do {
            Resync.Builder chunk = Resync.newBuilder().setGeneration(gen);
            int end = Math.min(flows.size(), i + resyncChunk);
            for (; i < end; i++) {
                chunk.addFlows(Messages.flowAdd(flows.get(i)));
            }
            chunk.setLast(i >= flows.size());
            write(s, AgentMessage.newBuilder().setResync(chunk).build());
            sent.incrementAndGet();
        } while (i < flows.size());
        LOG.debug("sent resync generation {} with {} flows", gen, flows.size());
    }

    private void dispatch(ControllerMessage m) {
        try {
            switch (m.getKindCase()) {
                case HELLO_ACK -> {
                    backoff.reset();
                    LOG.info("controller {} at {} accepted agent {}; resync generation {} sent",
                            m.getHelloAck().getControllerId(), target, hello.getAgentId(), generation.get());
                }
                case VERDICT -> verdict(m.getVerdict());
                case ACTIVITY -> activity(m.getActivity());
                case REMOVED -> removed(m.getRemoved());
                case NOTICES -> {
                    for (FlowNotice n : m.getNotices().getNoticesList()) {
                        try {
                            switch (n.getKindCase()) {
                                case VERDICT -> verdict(n.getVerdict());
                                case ACTIVITY -> activity(n.getActivity());
                                case REMOVED -> removed(n.getRemoved());
                                case KIND_NOT_SET -> LOG.warn("controller sent an empty flow notice; ignored");
                            }
                        } catch (RuntimeException e) {
                            // one bad notice must not cost the others in the batch
                            LOG.warn("ignored flow notice {}: {}", n.getKindCase(), e.getMessage());
                        }
                    }
                }
                case POLICY -> handler.policy(Messages.policy(m.getPolicy()));
                case PACKET_IN -> handler.packetIn(m.getPacketIn().getDevice(), m.getPacketIn().getPort(),
                        m.getPacketIn().getReason(), m.getPacketIn().getPayload().toByteArray());
                case KIND_NOT_SET -> LOG.warn("controller sent an empty message; ignored");
            }
        } catch (RuntimeException e) {
            // a bad message must not kill the stream: say what was wrong and go on
            LOG.warn("ignored controller message {}: {}", m.getKindCase(), e.getMessage());
        }
    }

    private void verdict(FlowVerdict v) {
        handler.verdict(key(v.getZone(), v.hasOriginal(), v.getOriginal()), v.getOffloaded(), v.getReason());
    }

    private void activity(FlowActivity a) {
        handler.activity(key(a.getZone(), a.hasOriginal(), a.getOriginal()), a.getLastUsedUnixMillis(),
                a.getPackets(), a.getBytes());
    }

    private void removed(FlowRemoved r) {
        handler.removed(key(r.getZone(), r.hasOriginal(), r.getOriginal()), r.getReason());
    }

    private static FlowKey key(int zone, boolean hasOriginal, org.nftoffload.agent.v1.Tuple original) {
        if (!hasOriginal) {
            throw new IllegalArgumentException("message has no original tuple: cannot tell which flow");
        }
        return new FlowKey(zone, Messages.tuple(original));
    }

    @Override
    public void close() {
        running = false;
        wake();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // only now, with the link thread gone, is it safe to write to the stream from here
        ClientCallStreamObserver<AgentMessage> s = stream;
        if (s != null) {
            try {
                synchronized (writeLock) {
                    s.onCompleted();
                }
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }
}
