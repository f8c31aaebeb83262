package org.nftoffload.service.bench;

import com.google.protobuf.ByteString;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowEvents;
import org.nftoffload.agent.v1.Path;
import org.nftoffload.agent.v1.Tuple;
import org.nftoffload.service.EmbeddedSwitches;
import org.nftoffload.service.TestController;

/**
 * Load generator for the whole controller: one agent stream (gRPC, loopback) reports N masqueraded TCP flows; each
 * becomes two flow_v4 entries written over P4Runtime to the embedded software switch; the verdict comes back when
 * the switch acknowledged both. Measures agent event → verdict latency (p50/p99/max) at a paced rate, the sustained
 * rate with events batched as the agent batches them, and the heap the process holds per offloaded flow
 * (controller, device manager mirror and the in-process switch together).
 *
 * <p>Run: {@code java -cp controller/target/test-classes:controller/target/classes:controller/target/lib/*
 * org.nftoffload.service.bench.FlowInstallLoad [flows] [pacedRate] [pacedFlows]}.
 */
public final class FlowInstallLoad {

  private FlowInstallLoad() {}

  public static void main(String[] args) throws Exception {
    int flows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int pacedRate = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int pacedFlows = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    String yaml = """
        agents: {port: 0}
        api: {port: 0}
        devices: [{name: sw0, embedded: true, port: 0, ports: {p1: 1, p2: 2}, table_sizes: {flow_v4: 1048576}}]
        interfaces: {wan0: {device: sw0, port: p1}, lan0: {device: sw0, port: p2}}
        flows: {batch_size: 1024, queue_capacity: 2000000, activity_interval: 1h, idle_timeout: 1h}
        ruleset: {file: none}
        """;
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    try (TestController c = new TestController(yaml, EmbeddedSwitches.PortSource.NONE);
        TestController.Agent agent = c.agent()) {
      agent.hello("bench", "");
      agent.next(ControllerMessage.KindCase.HELLO_ACK);

      // warm-up and latency at a paced rate, one event per message as an idle agent sends them
      long[] sent = new long[pacedFlows + flows];
      long[] acked = new long[sent.length];
      AtomicInteger done = new AtomicInteger();
      Thread reader = Thread.ofPlatform().daemon().start(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            ControllerMessage m = agent.received.poll(1, TimeUnit.SECONDS);
            if (m != null && m.hasVerdict()) {
              int i = (int) m.getVerdict().getConntrackId();
              acked[i] = System.nanoTime();
              if (!m.getVerdict().getOffloaded()) {
                System.err.println("rejected " + i + ": " + m.getVerdict().getReason());
              }
              done.incrementAndGet();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      long interval = TimeUnit.SECONDS.toNanos(1) / pacedRate;
      long next = System.nanoTime();
      for (int i = 0; i < pacedFlows; i++) {
        while (System.nanoTime() < next) {
          LockSupport.parkNanos(Math.max(1, next - System.nanoTime() - 20_000));
        }
        sent[i] = System.nanoTime();
        agent.send(AgentMessage.newBuilder().setEvents(FlowEvents.newBuilder()
            .addEvents(FlowEvent.newBuilder().setAdd(flow(i)))).build());
        next += interval;
      }
      await(done, pacedFlows);
      report("paced " + pacedRate + "/s, " + pacedFlows + " flows, 1 event/message", sent, acked, 0, pacedFlows);

      System.gc();
      Thread.sleep(500);
      System.gc();
      long heapBefore = mem.getHeapMemoryUsage().getUsed();

      // sustained: batches of 256 events per message, at most 50k flows outstanding
      long start = System.nanoTime();
      int batch = 256;
      for (int i = pacedFlows; i < pacedFlows + flows; i += batch) {
        while (i - pacedFlows - (done.get() - pacedFlows) > 50_000) {
          LockSupport.parkNanos(100_000);
        }
        FlowEvents.Builder b = FlowEvents.newBuilder();
        long now = System.nanoTime();
        for (int j = i; j < Math.min(i + batch, pacedFlows + flows); j++) {
          sent[j] = now;
          b.addEvents(FlowEvent.newBuilder().setAdd(flow(j)));
        }
        agent.send(AgentMessage.newBuilder().setEvents(b).build());
      }
      await(done, pacedFlows + flows);
      long end = Arrays.stream(acked, pacedFlows, pacedFlows + flows).max().orElseThrow();
      double seconds = (end - start) / 1e9;
      report("sustained, " + flows + " flows, 256 events/message", sent, acked, pacedFlows, pacedFlows + flows);
      System.out.printf("sustained rate: %.0f flows/s (%d flows, %.2f s; %d entries written)%n", flows / seconds,
          flows, seconds, 2 * flows);

      System.gc();
      Thread.sleep(500);
      System.gc();
      long heapAfter = mem.getHeapMemoryUsage().getUsed();
      System.out.printf("heap: %.0f bytes per offloaded flow (controller + device manager + embedded switch, "
          + "%d flows)%n", (heapAfter - heapBefore) / (double) flows, flows);
      reader.interrupt();
    }
    System.exit(0);
  }

  private static void await(AtomicInteger done, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (done.get() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + done.get() + " of " + n + " verdicts after 5 min");
      }
      Thread.sleep(5);
    }
  }

  private static void report(String what, long[] sent, long[] acked, int from, int to) {
    long[] lat = new long[to - from];
    for (int i = from; i < to; i++) {
      lat[i - from] = acked[i] - sent[i];
    }
    Arrays.sort(lat);
    System.out.printf("%s: event -> verdict p50 %.3f ms, p99 %.3f ms, max %.3f ms%n", what,
        lat[lat.length / 2] / 1e6, lat[(int) (lat.length * 0.99)] / 1e6, lat[lat.length - 1] / 1e6);
  }

  /** The i-th flow: 10.x.y.z:port → 203.0.113.5:443, masqueraded to 198.51.100.1. */
  static FlowAdd flow(int i) {
    byte[] host = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
    byte[] server = {(byte) 203, 0, 113, 5};
    byte[] wan = {(byte) 198, 51, 100, 1};
    int sport = 1024 + (i % 60000);
    int natPort = 1024 + (i % 64000);
    byte[] wanAlias = {(byte) 198, 51, (byte) (100 + (i / 64000)), 1};
    Tuple orig = Tuple.newBuilder().setSource(ByteString.copyFrom(host)).setDestination(ByteString.copyFrom(server))
        .setProtocol(6).setSourcePort(sport).setDestinationPort(443).build();
    Tuple reply = Tuple.newBuilder().setSource(ByteString.copyFrom(server))
        .setDestination(ByteString.copyFrom(i < 64000 ? wan : wanAlias)).setProtocol(6).setSourcePort(443)
        .setDestinationPort(natPort).build();
    ByteString mac = ByteString.copyFrom(new byte[] {2, 0, 0, 0, 0, 1});
    return FlowAdd.newBuilder().setConntrackId(i)
        .setOriginal(Path.newBuilder().setTuple(orig).setIngressIfname("lan0").setEgressIfname("wan0")
            .setSourceMac(mac).setDestinationMac(mac))
        .setReply(Path.newBuilder().setTuple(reply).setIngressIfname("wan0").setEgressIfname("lan0")
            .setSourceMac(mac).setDestinationMac(mac))
        .build();
  }
}
