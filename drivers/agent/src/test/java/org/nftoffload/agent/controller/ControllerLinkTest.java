package org.nftoffload.agent.controller;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.FakeController;
import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.flow.FlowResolver;
import org.nftoffload.agent.flow.FlowSelector;
import org.nftoffload.agent.flow.FlowTracker;
import org.nftoffload.agent.flow.PolicyRule;
import org.nftoffload.agent.flow.TestFlows;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowActivity;
import org.nftoffload.agent.v1.FlowNotice;
import org.nftoffload.agent.v1.FlowNotices;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.Hello;
import org.nftoffload.linux.conntrack.ConntrackEvent;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The controller link over real gRPC on 127.0.0.1, fed by a tracker with synthetic conntrack events. */
class ControllerLinkTest {
    private static final Hello HELLO = Hello.newBuilder().setAgentId("a1").setToken("t").build();

    private record Setup(FlowTracker tracker, Outbox outbox, ManagedChannel channel, ControllerLink link,
                         List<FlowKey> activity) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            link.close();
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Setup setup(int port, int capacity) {
        Outbox outbox = new Outbox(capacity);
        FlowTracker tracker = new FlowTracker(new FlowResolver(new TestFlows.FakeRouting()), new FlowSelector.MarkBit(1),
                outbox, Clock.systemUTC());
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        List<FlowKey> activity = new CopyOnWriteArrayList<>();
        ControllerLink link = new ControllerLink(channel, "127.0.0.1:" + port, HELLO, tracker, outbox,
                new ControllerHandler() {
                    @Override
                    public void verdict(FlowKey key, boolean offloaded, String reason) {
                        tracker.verdict(key, offloaded, reason);
                    }

                    @Override
                    public void activity(FlowKey key, long lastUsedUnixMillis, long packets, long bytes) {
                        activity.add(key);
                    }

                    @Override
                    public void removed(FlowKey key, String reason) {
                    }

                    @Override
                    public void policy(List<PolicyRule> rules) {
                    }
                }, new Backoff(20, 200), Clock.systemUTC(), 3);
        return new Setup(tracker, outbox, channel, link, activity);
    }

    private static Set<Long> resyncIds(FakeController controller) throws InterruptedException {
        Set<Long> ids = new HashSet<>();
        while (true) {
            AgentMessage m = controller.await(AgentMessage::hasResync, 10, "Resync chunk");
            m.getResync().getFlowsList().forEach(f -> ids.add(f.getConntrackId()));
            if (m.getResync().getLast()) {
                return ids;
            }
        }
    }

    @Test
    void reconnectsAfterTheControllerRestartsAndResyncsEverything() throws Exception {
        FakeController first = FakeController.start(0);
        int port = first.port();
        try (Setup s = setup(port, 100)) {
            s.link.start();
            assertEquals("a1", first.await(AgentMessage::hasHello, 10, "Hello").getHello().getAgentId());
            assertEquals(Set.of(), resyncIds(first));
            for (int i = 1; i <= 4; i++) {
                s.tracker.onEvent(TestFlows.event(ConntrackEvent.Type.UPDATE, TestFlows.plain(i, 40000 + i)));
            }
            for (int i = 1; i <= 4; i++) {
                long id = i;
                first.await(m -> FakeController.isAdd(m) && FakeController.add(m).getConntrackId() == id, 10, "FlowAdd " + i);
            }
            first.send(ControllerMessage.newBuilder().setActivity(FlowActivity.newBuilder().setConntrackId(2)
                    .setOriginal(Messages.tuple(TestFlows.plain(2, 40002).original())).setPackets(5)).build());
            // a message that does not say which flow is ignored, and does not break the stream
            first.send(ControllerMessage.newBuilder().setActivity(FlowActivity.newBuilder().setConntrackId(4)).build());
            // the controller's batched form: every good notice counts, in order, even next to a bad one
            first.send(ControllerMessage.newBuilder().setNotices(FlowNotices.newBuilder()
                    .addNotices(FlowNotice.newBuilder().setActivity(FlowActivity.newBuilder().setConntrackId(4)))
                    .addNotices(FlowNotice.newBuilder().setActivity(FlowActivity.newBuilder().setConntrackId(4)
                            .setOriginal(Messages.tuple(TestFlows.plain(4, 40004).original())).setPackets(1)))
                    .addNotices(FlowNotice.newBuilder().setActivity(FlowActivity.newBuilder().setConntrackId(1)
                            .setOriginal(Messages.tuple(TestFlows.plain(1, 40001).original())).setPackets(9))))
                    .build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (s.activity.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(FlowKey.of(TestFlows.plain(2, 40002)), FlowKey.of(TestFlows.plain(4, 40004)),
                    FlowKey.of(TestFlows.plain(1, 40001))), s.activity);

            first.close();
            // a flow ends while the controller is away: the next Resync must not contain it
            s.tracker.onEvent(TestFlows.event(ConntrackEvent.Type.DESTROY, TestFlows.plain(3, 40003)));
            try (FakeController second = FakeController.start(port)) {
                assertEquals("a1", second.await(AgentMessage::hasHello, 10, "Hello after restart").getHello().getAgentId());
                // 3 flows in chunks of 3 + an empty last one, or one chunk: either way the union is the state
                assertEquals(Set.of(1L, 2L, 4L), resyncIds(second));
                assertTrue(s.link.connects() >= 2);
                s.tracker.onEvent(TestFlows.event(ConntrackEvent.Type.UPDATE, TestFlows.plain(5, 40005)));
                second.await(m -> FakeController.isAdd(m) && FakeController.add(m).getConntrackId() == 5, 10, "FlowAdd after restart");
            }
        }
    }

    @Test
    void queueOverflowIsAnsweredWithAResyncNotASilentGap() throws Exception {
        try (FakeController controller = FakeController.start(0); Setup s = setup(controller.port(), 2)) {
            // events pile up before the link drains them: 10 flows into a queue of 2
            synchronized (s.tracker) {
                for (int i = 1; i <= 10; i++) {
                    s.tracker.onEvent(TestFlows.event(ConntrackEvent.Type.UPDATE, TestFlows.plain(i, 41000 + i)));
                }
            }
            assertTrue(s.outbox.overflows() >= 8, "overflows: " + s.outbox.overflows());
            s.link.start();
            controller.await(AgentMessage::hasHello, 10, "Hello");
            Set<Long> ids = resyncIds(controller);
            assertEquals(10, ids.size(), "every flow reaches the controller: " + ids);
            // and later events still flow normally
            s.tracker.onEvent(TestFlows.event(ConntrackEvent.Type.UPDATE, TestFlows.plain(11, 41011)));
            FlowAdd add = FakeController.add(controller.await(m -> FakeController.isAdd(m)
                    && FakeController.add(m).getConntrackId() == 11, 10, "FlowAdd 11"));
            assertEquals("r1", add.getOriginal().getIngressIfname());
        }
    }

    @Test
    void overflowWhileConnectedTriggersAResync() throws Exception {
        try (FakeController controller = FakeController.start(0); Setup s = setup(controller.port(), 1000)) {
            s.link.start();
            controller.await(AgentMessage::hasHello, 10, "Hello");
            resyncIds(controller);
            s.tracker.onEvent(TestFlows.event(ConntrackEvent.Type.UPDATE, TestFlows.plain(1, 42001)));
            controller.await(m -> FakeController.isAdd(m) && FakeController.add(m).getConntrackId() == 1, 10, "FlowAdd 1");
            s.outbox.requestResync(); // what the kernel watcher does on ENOBUFS
            assertEquals(Set.of(1L), resyncIds(controller));
        }
    }
}
