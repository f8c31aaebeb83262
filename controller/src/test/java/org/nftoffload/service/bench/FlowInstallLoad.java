package org.nftoffload.service.bench;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowAgentGrpc;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowEvents;
import org.nftoffload.agent.v1.FlowNotice;
import org.nftoffload.agent.v1.Path.Builder;
import org.nftoffload.agent.v1.Tuple;
import org.nftoffload.p4runtime.RawWrite;
import org.nftoffload.service.EmbeddedSwitches;
import org.nftoffload.service.TestController;

/**
 * Load generator for the whole controller: one agent stream (the agent gRPC protocol on loopback) reports masqueraded
 * TCP flows; each becomes two {@code flow_v4} entries written over P4Runtime, and the verdict comes back once the
 * device acknowledged both. The device is either the embedded software switch ({@code softswitch}) or a P4Runtime
 * sink that acknowledges writes without parsing them ({@code sink}: the controller's own cost plus transport).
 *
 * <p>Phases, each on fresh flows: (0) JIT warm-up, 100,000 flows as fast as taken, 256 events per message; (1)
 * warm-up, 10,000 flows at 2,000/s, one event per message (its latency is
 * reported too: an idle agent sends events one by one, and this rate stays below what a loaded 2-core machine
 * takes); (2) paced, {@code flows} flows at {@code rate}/s sent as one
 * message per millisecond ({@code rate}/1000 events each, as the agent batches); (3) sustained, {@code flows} flows as
 * fast as the stack takes them, 256 events per message, at most 50,000 unanswered. Latency is agent event sent →
 * verdict received (p50/p99/max); the sustained rate is flows over first send → last verdict. Heap per flow: heap used
 * after full GCs after phase 3 minus before it, divided by {@code flows} (the process holds the controller, the
 * device manager's mirror and, for {@code softswitch}, the switch's tables); off-heap per flow likewise from the JVM's
 * direct memory (the device manager keeps its entries in native memory segments).
 *
 * <p>Run: {@code controller/bench/flow-install.sh [softswitch|sink] [flows] [rate]}.
 */
public final class FlowInstallLoad {

  /** Flows sent as fast as the stack takes them first, so that the JIT has compiled the flow path. */
  private static final int BULK_WARMUP = 100_000;
  private static final int WARMUP = 10_000;
  private static final int WARMUP_RATE = 2_000;

  private FlowInstallLoad() {}

  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "softswitch";
    int flows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    if (!target.equals("softswitch") && !target.equals("sink")) {
      throw new IllegalArgumentException("target: softswitch or sink, not " + target);
    }
    System.out.printf("target %s, %d flows, paced at %d/s; %d CPUs, %s; load average %s%n", target, flows, rate,
        Runtime.getRuntime().availableProcessors(), Runtime.version(), loadAverage());
    P4RuntimeSink sink = target.equals("sink") ? new P4RuntimeSink() : null;
    String device = sink == null
        ? "{name: sw0, embedded: true, port: 0, ports: {p1: 1, p2: 2}, table_sizes: {flow_v4: 1048576}}"
        : "{name: sw0, host: 127.0.0.1, port: " + sink.port() + ", ports: {p1: 1, p2: 2}}";
    // No periodic reconciliation during the run: the sink's reads return nothing, so each one would rewrite every
    // entry (the flow path is measured here, reconciliation is not).
    String yaml = """
        reconcile_period: 1h
        agents: {port: 0}
        api: {port: 0}
        devices: [%s]
        interfaces: {wan0: {device: sw0, port: p1}, lan0: {device: sw0, port: p2}}
        flows: {batch_size: 1024, queue_capacity: 2000000, activity_interval: 1h, idle_timeout: 1h}
        ruleset: {file: none}
        """.formatted(device);
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    int total = BULK_WARMUP + WARMUP + 2 * flows;
    long[] sent = new long[total];
    long[] acked = new long[total];
    AtomicInteger done = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    // The agent's messages are serialised before anything is measured: on a real fabric the agents run on other
    // hosts, so building them is not the controller's cost.
    int first = BULK_WARMUP + WARMUP;
    int perMessage = Math.max(1, rate / 1000);
    byte[][] bulk = messages(0, BULK_WARMUP, 256);
    byte[][] warm = messages(BULK_WARMUP, first, 1);
    byte[][] pacedMessages = messages(first, first + flows, perMessage);
    byte[][] sustainedMessages = messages(first + flows, total, 256);
    try (TestController c = new TestController(yaml, EmbeddedSwitches.PortSource.NONE);
        RawAgent agent = new RawAgent(c.listening.agents().getPort(), m -> {
          if (!m.hasNotices()) {
            return;
          }
          long now = System.nanoTime();
          for (FlowNotice n : m.getNotices().getNoticesList()) {
            if (!n.hasVerdict()) {
              continue;
            }
            int i = (int) n.getVerdict().getConntrackId();
            acked[i] = now;
            if (!n.getVerdict().getOffloaded() && rejected.incrementAndGet() <= 5) {
              System.err.println("rejected " + i + ": " + n.getVerdict().getReason());
            }
            done.incrementAndGet();
          }
        })) {
      agent.send(AgentMessage.newBuilder().setHello(org.nftoffload.agent.v1.Hello.newBuilder().setAgentId("bench")
          .setHost("bench").setVersion("bench")).build().toByteArray());
      agent.helloAck.get(10, TimeUnit.SECONDS);

      sustained(agent, bulk, 256, sent, done, 0, BULK_WARMUP);
      await(done, BULK_WARMUP);
      report(String.format("warm-up: %,d flows as fast as taken", BULK_WARMUP), sent, acked, 0, BULK_WARMUP);
      paced(agent, warm, 1, sent, BULK_WARMUP, BULK_WARMUP + WARMUP, WARMUP_RATE);
      await(done, BULK_WARMUP + WARMUP);
      report(String.format("warm-up: paced %,d/s, 1 event/message", WARMUP_RATE), sent, acked, BULK_WARMUP,
          BULK_WARMUP + WARMUP);
      inside(c);

      java.util.Map<Long, long[]> pacedCpu = threadCpu();
      double achieved = paced(agent, pacedMessages, perMessage, sent, first, first + flows, rate);
      await(done, first + flows);
      report(String.format("paced %,d/s (sent at %,.0f/s), %d events/message", rate, achieved, perMessage), sent,
          acked, first, first + flows);
      inside(c);
      printCpuPerFlow("paced", pacedCpu, threadCpu(), flows);

      long heapBefore = heapAfterGc(mem);
      long offHeapBefore = offHeap();
      java.util.Map<String, long[]> histogramBefore = histogram();
      int from = first + flows;
      java.util.Map<Long, long[]> cpuBefore = threadCpu();
      long start = System.nanoTime();
      sustained(agent, sustainedMessages, 256, sent, done, from, total);
      await(done, total);
      long end = Arrays.stream(acked, from, total).max().orElseThrow();
      java.util.Map<Long, long[]> cpuAfter = threadCpu();
      double seconds = (end - start) / 1e9;
      report("sustained, 256 events/message, <= 50,000 outstanding", sent, acked, from, total);
      inside(c);
      System.out.printf("sustained rate: %,.0f flows/s (%,d flows in %.2f s; %,d entries written)%n",
          flows / seconds, flows, seconds, 2 * flows);
      printCpuPerFlow("sustained", cpuBefore, cpuAfter, flows);

      long heapAfter = heapAfterGc(mem);
      long offHeapAfter = offHeap();
      System.out.printf("heap: %,.0f bytes per offloaded flow (%s; heap used after GC %,d -> %,d bytes for %,d more"
          + " flows)%n", (heapAfter - heapBefore) / (double) flows,
          sink == null ? "controller + device manager + embedded switch" : "controller + device manager",
          heapBefore, heapAfter, flows);
      System.out.printf("off-heap: %,.0f bytes per offloaded flow (native memory segments and direct buffers %,d ->"
          + " %,d bytes); heap + off-heap: %,.0f bytes per flow%n", (offHeapAfter - offHeapBefore) / (double) flows,
          offHeapBefore, offHeapAfter, (heapAfter - heapBefore + offHeapAfter - offHeapBefore) / (double) flows);
      printHistogramDelta(histogramBefore, histogram(), flows);
      System.out.printf("rejected: %d; load average %s%n", rejected.get(), loadAverage());
    } finally {
      if (sink != null) {
        sink.close();
      }
    }
    System.exit(0);
  }

  /** Flows [from, to) as serialised FlowEvents messages of {@code perMessage} adds each. */
  private static byte[][] messages(int from, int to, int perMessage) {
    byte[][] out = new byte[(to - from + perMessage - 1) / perMessage][];
    for (int k = 0; k < out.length; k++) {
      FlowEvents.Builder b = FlowEvents.newBuilder();
      for (int j = from + k * perMessage; j < Math.min(from + (k + 1) * perMessage, to); j++) {
        b.addEvents(FlowEvent.newBuilder().setAdd(flow(j)));
      }
      out[k] = AgentMessage.newBuilder().setEvents(b).build().toByteArray();
    }
    return out;
  }

  /** Sends flows [from, to) as fast as the stack takes them, at most 50,000 unanswered. */
  private static void sustained(RawAgent agent, byte[][] messages, int perMessage, long[] sent, AtomicInteger done,
      int from, int to) {
    for (int k = 0; k < messages.length; k++) {
      int i = from + k * perMessage;
      while (i - done.get() > 50_000) {
        LockSupport.parkNanos(100_000);
      }
      Arrays.fill(sent, i, Math.min(i + perMessage, to), System.nanoTime());
      agent.send(messages[k]);
    }
  }

  /** Sends flows [from, to) at {@code rate}/s, a message at a time; returns the rate achieved. */
  private static double paced(RawAgent agent, byte[][] messages, int perMessage, long[] sent, int from, int to,
      int rate) {
    long interval = TimeUnit.SECONDS.toNanos(1) * perMessage / rate;
    long start = System.nanoTime();
    long next = start;
    for (int k = 0; k < messages.length; k++) {
      long wait;
      while ((wait = next - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait > 50_000 ? wait - 20_000 : 1);
      }
      int i = from + k * perMessage;
      Arrays.fill(sent, i, Math.min(i + perMessage, to), System.nanoTime());
      agent.send(messages[k]);
      next += interval;
    }
    return (to - from) / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * The agent's end of the stream as an agent on another host has it: requests go out as the bytes serialised
   * before the run, and verdicts are handled on the transport thread where they arrive.
   */
  private static final class RawAgent implements AutoCloseable {
    private static final MethodDescriptor<byte[], ControllerMessage> CONNECT =
        MethodDescriptor.<byte[], ControllerMessage>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(FlowAgentGrpc.getConnectMethod().getFullMethodName())
            .setRequestMarshaller(RawWrite.BYTES)
            .setResponseMarshaller(ProtoUtils.marshaller(ControllerMessage.getDefaultInstance())).build();

    final CompletableFuture<Void> helloAck = new CompletableFuture<>();
    private final ManagedChannel channel;
    private final StreamObserver<byte[]> out;

    RawAgent(int port, Consumer<ControllerMessage> received) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
      out = ClientCalls.asyncBidiStreamingCall(channel.newCall(CONNECT, CallOptions.DEFAULT),
          new StreamObserver<ControllerMessage>() {
            @Override
            public void onNext(ControllerMessage m) {
              if (m.hasHelloAck()) {
                helloAck.complete(null);
              }
              received.accept(m);
            }

            @Override
            public void onError(Throwable t) {
              helloAck.completeExceptionally(t);
              System.err.println("agent stream failed: " + t);
            }

            @Override
            public void onCompleted() {}
          });
    }

    synchronized void send(byte[] message) {
      out.onNext(message);
    }

    @Override
    public void close() {
      try {
        out.onCompleted();
      } catch (RuntimeException e) {
        // stream already gone
      }
      channel.shutdownNow();
    }
  }

  /** CPU time of every live thread: id → {cpu nanos}, with the name kept alongside for grouping. */
  private static final java.util.Map<Long, String> THREAD_NAMES = new java.util.concurrent.ConcurrentHashMap<>();

  private static java.util.Map<Long, long[]> threadCpu() {
    java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
    java.util.Map<Long, long[]> out = new java.util.HashMap<>();
    for (java.lang.management.ThreadInfo info : t.getThreadInfo(t.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = t.getThreadCpuTime(info.getThreadId());
      long allocated = t instanceof com.sun.management.ThreadMXBean sun
          ? sun.getThreadAllocatedBytes(info.getThreadId()) : 0;
      if (cpu >= 0) {
        out.put(info.getThreadId(), new long[] {cpu, allocated});
        THREAD_NAMES.put(info.getThreadId(), info.getThreadName());
      }
    }
    return out;
  }

  /**
   * Where the sustained phase's CPU went: microseconds per flow by thread group (names with digits folded), which
   * compares better across runs on a shared machine than rates do. GC and JIT threads are not Java threads and are
   * missing here; the process total from the OS includes them.
   */
  private static void printCpuPerFlow(String phase, java.util.Map<Long, long[]> before,
      java.util.Map<Long, long[]> after, int flows) {
    java.util.Map<String, Long> byGroup = new java.util.TreeMap<>();
    long sum = 0;
    long allocated = 0;
    for (var e : after.entrySet()) {
      long d = e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0];
      allocated += e.getValue()[1] - before.getOrDefault(e.getKey(), new long[2])[1];
      String group = THREAD_NAMES.get(e.getKey()).replaceAll("\\d+", "N");
      byGroup.merge(group, d, Long::sum);
      sum += d;
    }
    System.out.printf("CPU per flow in the %s phase (Java threads): %.1f us; allocated %,.0f bytes per flow%n",
        phase, sum / 1e3 / flows, allocated / (double) flows);
    byGroup.entrySet().stream().filter(e -> e.getValue() / 1e3 / flows >= 0.2)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .forEach(e -> System.out.printf("  %6.1f us  %s%n", e.getValue() / 1e3 / flows, e.getKey()));
  }

  /** Native memory the JVM counts as direct: direct buffers and memory segments allocated from arenas. */
  private static long offHeap() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed)
        .sum();
  }

  private static long heapAfterGc(MemoryMXBean mem) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(300);
    }
    return mem.getHeapMemoryUsage().getUsed();
  }

  /** The controller's own view since start: flow manager accepted → both entries acknowledged (its timer). */
  private static void inside(TestController c) {
    io.micrometer.core.instrument.Timer t = c.injector.getInstance(io.micrometer.core.instrument.MeterRegistry.class)
        .get("nftoffload.flows.offload.latency").timer();
    StringBuilder b = new StringBuilder("  inside the controller (flow manager accepted -> acknowledged, cumulative):");
    for (var v : t.takeSnapshot().percentileValues()) {
      b.append(String.format(" p%.0f %.3f ms", v.percentile() * 100, v.value(TimeUnit.MILLISECONDS)));
    }
    long gcMillis = 0;
    long gcs = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMillis += gc.getCollectionTime();
      gcs += gc.getCollectionCount();
    }
    System.out.println(b.append(String.format(", max %.3f ms; GC so far: %d collections, %,d ms",
        t.max(TimeUnit.MILLISECONDS), gcs, gcMillis)));
  }

  /** The heap's class histogram (live objects, after a full GC): class → {instances, bytes}. */
  private static java.util.Map<String, long[]> histogram() throws Exception {
    String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    java.util.Map<String, long[]> out = new java.util.HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return out;
  }

  /** Which classes the added flows are made of: bytes and instances per flow, largest first. */
  private static void printHistogramDelta(java.util.Map<String, long[]> before, java.util.Map<String, long[]> after,
      int flows) {
    System.out.println("retained per flow by class (top 15):");
    after.entrySet().stream()
        .map(e -> java.util.Map.entry(e.getKey(), new long[] {
            e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0],
            e.getValue()[1] - before.getOrDefault(e.getKey(), new long[2])[1]}))
        .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(15)
        .forEach(e -> System.out.printf("  %8.1f B %6.2f objects  %s%n", e.getValue()[1] / (double) flows,
            e.getValue()[0] / (double) flows, e.getKey()));
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "unknown";
    }
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
    if (System.getenv("FLOW_INSTALL_SLOW") != null) {
      // how the slow ones spread over the phase: per 100 ms window, the count over 1 ms and the worst
      StringBuilder b = new StringBuilder("  over 1 ms per 100 ms window (window: count/worst ms):");
      java.util.TreeMap<Long, long[]> windows = new java.util.TreeMap<>();
      for (int i = from; i < to; i++) {
        long l = acked[i] - sent[i];
        if (l > 1_000_000) {
          long[] w = windows.computeIfAbsent((sent[i] - sent[from]) / 100_000_000, k -> new long[2]);
          w[0]++;
          w[1] = Math.max(w[1], l);
        }
      }
      windows.forEach((k, w) -> b.append(String.format(" %d:%d/%.1f", k, w[0], w[1] / 1e6)));
      System.out.println(b);
    }
  }

  /** The i-th flow: 10.x.y.z:port → 203.0.113.5:443 from lan0 to wan0, masqueraded to 198.51.100.x. */
  static FlowAdd flow(int i) {
    byte[] host = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
    byte[] server = {(byte) 203, 0, 113, 5};
    int sport = 1024 + (i % 60000);
    int natPort = 1024 + (i % 64000);
    byte[] wan = {(byte) 198, 51, (byte) (100 + (i / 64000)), 1};
    Tuple orig = Tuple.newBuilder().setSource(ByteString.copyFrom(host)).setDestination(ByteString.copyFrom(server))
        .setProtocol(6).setSourcePort(sport).setDestinationPort(443).build();
    Tuple reply = Tuple.newBuilder().setSource(ByteString.copyFrom(server)).setDestination(ByteString.copyFrom(wan))
        .setProtocol(6).setSourcePort(443).setDestinationPort(natPort).build();
    ByteString mac = ByteString.copyFrom(new byte[] {2, 0, 0, 0, 0, 1});
    Builder original = org.nftoffload.agent.v1.Path.newBuilder().setTuple(orig).setIngressIfname("lan0")
        .setEgressIfname("wan0").setSourceMac(mac).setDestinationMac(mac);
    Builder back = org.nftoffload.agent.v1.Path.newBuilder().setTuple(reply).setIngressIfname("wan0")
        .setEgressIfname("lan0").setSourceMac(mac).setDestinationMac(mac);
    return FlowAdd.newBuilder().setConntrackId(i).setOriginal(original).setReply(back).build();
  }
}
