package org.nftoffload.bench;

import io.grpc.Server;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.ClientConfig;
import org.nftoffload.p4runtime.ElectionId;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.Scheduler;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.WriteResult;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * Install-rate load generator: writes {@code flow_v4} inserts through the southbound's {@link P4RuntimeClient}
 * (batched, allocation-free encoding, real gRPC on 127.0.0.1) into (a) a sink that discards requests unparsed,
 * (b) a grpc-java server that parses and acknowledges, (c) the embedded software switch, for batch sizes 1, 64 and
 * 1024, and prints one line per case: entries/s, per-Write latency p50/p99, bytes allocated per entry by the
 * whole JVM (client, gRPC on both sides and the target). Options: {@code --targets sink,noop,softswitch} {@code --batches 1,64,1024}
 * {@code --entries N} (per case; batch size 1 uses N/10) {@code --in-flight K} {@code --warmup N}.
 */
public final class InstallRateBench {

  private InstallRateBench() {}

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes (class-init order)
  }

  record Options(List<String> targets, int[] batches, int entries, int inFlight, int warmup) {
    static Options parse(String[] args) {
      List<String> targets = List.of("sink", "noop", "softswitch");
      int[] batches = {1, 64, 1024};
      int entries = 262_144;
      int inFlight = 8;
      int warmup = 65_536;
      for (int i = 0; i < args.length; i++) {
        String v = i + 1 < args.length ? args[i + 1] : "";
        switch (args[i]) {
          case "--targets" -> targets = List.of(v.split(","));
          case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
          case "--entries" -> entries = Integer.parseInt(v);
          case "--in-flight" -> inFlight = Integer.parseInt(v);
          case "--warmup" -> warmup = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown option " + args[i]
              + " (--targets, --batches, --entries, --in-flight, --warmup)");
        }
        i++;
      }
      return new Options(targets, batches, entries, inFlight, warmup);
    }
  }

  record Result(String target, int batch, int entries, double seconds, long[] latenciesNs, double allocPerEntry,
      int failures) {
    String line() {
      long[] l = latenciesNs.clone();
      Arrays.sort(l);
      return String.format(Locale.ROOT,
          "target=%-10s batch=%-5d entries=%-8d rate=%10.0f entries/s  write p50=%8.3f ms  p99=%8.3f ms  "
              + "alloc=%6.0f B/entry (whole JVM)  failures=%d",
          target, batch, entries, entries / seconds, pct(l, 0.50) / 1e6, pct(l, 0.99) / 1e6, allocPerEntry, failures);
    }

    private static long pct(long[] sorted, double p) {
      return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
  }

  /** The i-th flow_v4 entry: distinct 5-tuples for distinct i below 2^24. */
  static PiTableEntry flow(int i) {
    PiMatchKey key = PiMatchKey.builder()
        .addFieldMatch(new PiExactFieldMatch(FlowV4.INGRESS_PORT.id(), ImmutableByteSequence.copyFrom((short) 1)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.IP_PROTO.id(), ImmutableByteSequence.copyFrom((byte) 6)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.IPV4_SRC.id(), ImmutableByteSequence.copyFrom(0x0a000000 | i)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.IPV4_DST.id(), ImmutableByteSequence.copyFrom(0xc0a80101)))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.L4_SPORT.id(),
            ImmutableByteSequence.copyFrom((short) (1024 + (i % 60000)))))
        .addFieldMatch(new PiExactFieldMatch(FlowV4.L4_DPORT.id(), ImmutableByteSequence.copyFrom((short) 443)))
        .build();
    PiAction action = PiAction.builder().withId(FlowV4.FORWARD.id())
        .withParameter(new PiActionParam(FlowtableP4.PORT.id(), ImmutableByteSequence.copyFrom((short) 2)))
        .withParameter(new PiActionParam(FlowtableP4.SMAC.id(),
            ImmutableByteSequence.copyFrom(new byte[] {2, 0, 0, 0, 0, 1})))
        .withParameter(new PiActionParam(FlowtableP4.DMAC.id(),
            ImmutableByteSequence.copyFrom(new byte[] {2, 0, 0, 0, (byte) (i >> 8), (byte) i})))
        .build();
    return PiTableEntry.builder().forTable(FlowV4.TABLE.id()).withMatchKey(key).withAction(action).build();
  }

  static List<TableUpdate> pool(int size) {
    List<TableUpdate> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(TableUpdate.insert(flow(i)));
    }
    return out;
  }

  /**
   * Writes {@code count} updates taken cyclically from {@code pool} in calls of {@code batch}, at most
   * {@code inFlight} outstanding, and times each call from submission to its future's completion.
   */
  static Result run(String target, P4RuntimeClient client, List<TableUpdate> pool, int count, int batch,
      int inFlight) throws InterruptedException {
    if (pool.size() % batch != 0) {
      throw new IllegalArgumentException("pool size " + pool.size() + " is not a multiple of batch " + batch);
    }
    int calls = count / batch;
    long[] lat = new long[calls];
    Semaphore slots = new Semaphore(inFlight);
    LongAdder failures = new LongAdder();
    AtomicReference<Throwable> error = new AtomicReference<>();
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long alloc0 = threads.getTotalThreadAllocatedBytes();
    long t0 = System.nanoTime();
    for (int c = 0; c < calls; c++) {
      slots.acquire();
      int from = (c * batch) % pool.size();
      long start = System.nanoTime();
      final int call = c;
      client.write(pool.subList(from, from + batch)).whenComplete((WriteResult r, Throwable t) -> {
        lat[call] = System.nanoTime() - start;
        if (t != null) {
          error.compareAndSet(null, t);
        } else if (!r.allOk()) {
          failures.add(r.failures().size());
          error.compareAndSet(null, new IllegalStateException(r.failures().get(0).toString()));
        }
        slots.release();
      });
    }
    slots.acquire(inFlight);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long alloc = threads.getTotalThreadAllocatedBytes() - alloc0;
    if (error.get() != null && failures.sum() == 0) {
      throw new IllegalStateException(target + " batch " + batch + ": " + error.get(), error.get());
    }
    return new Result(target, batch, calls * batch, seconds, lat, (double) alloc / (calls * batch),
        (int) failures.sum());
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    FlowtablePipeline pipeline = FlowtablePipeline.load();
    int poolSize = 262_144;
    List<TableUpdate> pool = pool(poolSize);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    System.out.printf(Locale.ROOT, "# install rate: flow_v4 inserts, %d entries per case (batch 1: %d), %d writes"
        + " in flight, %d cores, %s%n", o.entries, o.entries / 10, o.inFlight,
        Runtime.getRuntime().availableProcessors(), Runtime.version());
    try {
      for (String target : o.targets) {
        for (int batch : o.batches) {
          int entries = batch == 1 ? o.entries / 10 : o.entries;
          Result r = switch (target) {
            case "sink", "noop" -> {
              LongAdder received = new LongAdder();
              Server server = target.equals("sink") ? Targets.sink(received) : Targets.noop(received);
              try (P4RuntimeClient client = client(server.getPort(), batch, o.inFlight, pipeline, timer)) {
                run(target, client, pool, Math.min(o.warmup, entries), batch, o.inFlight);
                yield run(target, client, pool, entries, batch, o.inFlight);
              } finally {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
              }
            }
            case "softswitch" -> SoftswitchTarget.run(pipeline, pool, entries, batch, o.inFlight, timer, o.warmup);
            default -> throw new IllegalArgumentException("unknown target " + target
                + " (sink, noop, softswitch)");
          };
          System.out.println(r.line());
        }
      }
    } finally {
      timer.shutdownNow();
    }
  }

  static P4RuntimeClient client(int port, int batch, int inFlight, FlowtablePipeline pipeline,
      ScheduledExecutorService timer) {
    ClientConfig c = ClientConfig.of("127.0.0.1", port, 1).withElectionId(ElectionId.of(1))
        .withBatching(batch, inFlight).withRpcDeadline(Duration.ofSeconds(60));
    return P4RuntimeClient.create(c, pipeline.p4Info(), Scheduler.of(timer), new SplittableRandom(1));
  }
}
