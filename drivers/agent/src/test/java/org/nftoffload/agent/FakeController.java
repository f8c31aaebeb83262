package org.nftoffload.agent;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowAgentGrpc;
import org.nftoffload.agent.v1.FlowDelete;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowEvents;
import org.nftoffload.agent.v1.FlowVerdict;
import org.nftoffload.agent.v1.HelloAck;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A test double of the controller's agent endpoint: a real gRPC server on 127.0.0.1 that answers
 * Hello with HelloAck, offloads every FlowAdd, records what it receives and lets the test send
 * FlowActivity and other messages down the current stream.
 */
public final class FakeController implements AutoCloseable {
    private final Server server;
    private final BlockingQueue<AgentMessage> received = new LinkedBlockingQueue<>();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong adds = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<AgentMessage.KindCase, AtomicLong> byKind =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile StreamObserver<ControllerMessage> current;
    private final boolean record;

    private FakeController(int port, boolean record) throws IOException {
        this.record = record;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new FlowAgentGrpc.FlowAgentImplBase() {
                    @Override
                    public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> responses) {
                        current = responses;
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(AgentMessage m) {
                                count.incrementAndGet();
                                byKind.computeIfAbsent(m.getKindCase(), k -> new AtomicLong()).incrementAndGet();
                                for (FlowEvent e : m.getEvents().getEventsList()) {
                                    (e.hasAdd() ? adds : deletes).incrementAndGet();
                                }
                                if (FakeController.this.record) {
                                    if (m.hasEvents()) {
                                        // one entry per event, so tests can wait for single events
                                        for (FlowEvent e : m.getEvents().getEventsList()) {
                                            received.add(AgentMessage.newBuilder()
                                                    .setEvents(FlowEvents.newBuilder().addEvents(e)).build());
                                        }
                                    } else {
                                        received.add(m);
                                    }
                                }
                                synchronized (responses) {
                                    if (m.hasHello()) {
                                        responses.onNext(ControllerMessage.newBuilder()
                                                .setHelloAck(HelloAck.newBuilder().setControllerId("fake")).build());
                                    } else if (FakeController.this.record) {
                                        for (FlowEvent e : m.getEvents().getEventsList()) {
                                            if (e.hasAdd()) {
                                                responses.onNext(ControllerMessage.newBuilder().setVerdict(FlowVerdict.newBuilder()
                                                        .setConntrackId(e.getAdd().getConntrackId())
                                                        .setZone(e.getAdd().getZone())
                                                        .setOriginal(e.getAdd().getOriginal().getTuple())
                                                        .setOffloaded(true)).build());
                                            }
                                        }
                                    }
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                current = null;
                            }

                            @Override
                            public void onCompleted() {
                                synchronized (responses) {
                                    responses.onCompleted();
                                }
                            }
                        };
                    }
                }).build().start();
    }

    /** Starts a recording controller on a free port (0) or the given one. */
    public static FakeController start(int port) throws IOException {
        return new FakeController(port, true);
    }

    /** Starts a controller that only counts messages (for load generation). */
    public static FakeController counting(int port) throws IOException {
        return new FakeController(port, false);
    }

    /** The port it listens on. */
    public int port() {
        return server.getPort();
    }

    /** Messages received so far (counting mode included). */
    public long count() {
        return count.get();
    }

    /** FlowAdd events received so far. */
    public long adds() {
        return adds.get();
    }

    /** FlowDelete events received so far. */
    public long deletes() {
        return deletes.get();
    }

    /** Whether a recorded message is a FlowAdd event. */
    public static boolean isAdd(AgentMessage m) {
        return m.hasEvents() && m.getEvents().getEvents(0).hasAdd();
    }

    /** The FlowAdd of a recorded message. */
    public static FlowAdd add(AgentMessage m) {
        return m.getEvents().getEvents(0).getAdd();
    }

    /** Whether a recorded message is a FlowDelete event. */
    public static boolean isDelete(AgentMessage m) {
        return m.hasEvents() && m.getEvents().getEvents(0).hasDelete();
    }

    /** The FlowDelete of a recorded message. */
    public static FlowDelete delete(AgentMessage m) {
        return m.getEvents().getEvents(0).getDelete();
    }

    /** Messages received so far of one kind. */
    public long count(AgentMessage.KindCase kind) {
        AtomicLong n = byKind.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Sends a message on the current stream. */
    public void send(ControllerMessage message) {
        StreamObserver<ControllerMessage> s = current;
        if (s == null) {
            throw new IllegalStateException("no agent connected");
        }
        synchronized (s) {
            s.onNext(message);
        }
    }

    /** Waits up to {@code seconds} for a received message matching {@code test}, consuming the ones before it. */
    public AgentMessage await(Predicate<AgentMessage> test, int seconds, String what) throws InterruptedException {
        List<AgentMessage> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            AgentMessage m = received.poll(100, TimeUnit.MILLISECONDS);
            if (m == null) {
                continue;
            }
            if (test.test(m)) {
                received.addAll(skipped);
                return m;
            }
            skipped.add(m);
        }
        received.addAll(skipped);
        throw new AssertionError("controller did not receive " + what + " within " + seconds + " s; got "
                + skipped.stream().map(x -> x.getKindCase().toString()).toList());
    }

    /** Messages received and not consumed yet. */
    public List<AgentMessage> drain() {
        List<AgentMessage> out = new ArrayList<>();
        received.drainTo(out);
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
