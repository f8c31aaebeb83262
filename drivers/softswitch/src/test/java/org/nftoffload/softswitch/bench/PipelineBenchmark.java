package org.nftoffload.softswitch.bench;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nftoffload.softswitch.pipeline.AclMatch;
import org.nftoffload.softswitch.pipeline.Action;
import org.nftoffload.softswitch.pipeline.FlowKey;
import org.nftoffload.softswitch.pipeline.Frames;
import org.nftoffload.softswitch.pipeline.PacketSink;
import org.nftoffload.softswitch.pipeline.Pipeline;
import org.nftoffload.softswitch.pipeline.TableEntry;
import org.nftoffload.softswitch.pipeline.TableException;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.pipeline.TableStore;
import org.nftoffload.softswitch.pipeline.TestFrame;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Frames per second through the flowtable pipeline on one thread (ops/s = frames/s): a flow hit (MAC rewrite,
 * TTL, IPv4 checksum), a NAT hit (plus the full TCP checksum), a miss (punt), and a hit behind an ACL of
 * {@code aclEntries} entries that do not match (the ACL is a linear scan, as a TCAM is not). Tables hold 10,000
 * flows. Each operation copies a 64-byte template frame first, because the pipeline rewrites frames in place.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PipelineBenchmark {

  @Param({"256"})
  public int aclEntries;

  private Pipeline plain;
  private Pipeline acl;
  private byte[] hit;
  private byte[] natHit;
  private byte[] miss;
  private Sink sink;

  /** Hands every output to the blackhole so nothing is optimised away. */
  static final class Sink implements PacketSink {
    final Blackhole bh;

    Sink(Blackhole bh) {
      this.bh = bh;
    }

    @Override
    public void emit(int port, byte[] frame) {
      bh.consume(frame);
    }

    @Override
    public void toCpu(int ingressPort, int reason, byte[] frame) {
      bh.consume(frame);
    }
  }

  private static Pipeline pipeline(TestFrame hitFrame, TestFrame natFrame) throws TableException {
    TableStore store = new TableStore(Map.of(TableKind.ACL, 4096, TableKind.FLOW_V4, 65536, TableKind.FLOW_V6, 1024));
    Pipeline p = new Pipeline(store, 512, 16, System::nanoTime);
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      store.insert(TableEntry.flow(TableKind.FLOW_V4, FlowKey.v4(1, 6, random.nextInt(), random.nextInt(),
          random.nextInt(65536), 443), new Action.Forward(2, 1, 2, Action.VlanMode.KEEP, 0, null), 0, null, 0));
    }
    store.insert(TableEntry.flow(TableKind.FLOW_V4, FlowKey.v4(1, 6, Frames.get32(hitFrame.src, 0),
        Frames.get32(hitFrame.dst, 0), hitFrame.sport, hitFrame.dport),
        new Action.Forward(2, 0x0a0000000001L, 0x0a0000000002L, Action.VlanMode.KEEP, 0, null), 0, null, 0));
    store.insert(TableEntry.flow(TableKind.FLOW_V4, FlowKey.v4(1, 6, Frames.get32(natFrame.src, 0),
        Frames.get32(natFrame.dst, 0), natFrame.sport, natFrame.dport),
        new Action.Forward(2, 0x0a0000000001L, 0x0a0000000002L, Action.VlanMode.POP, 0,
            new Action.Nat(TestFrame.addr("203.0.113.1"), natFrame.dst, 61000, natFrame.dport)), 0, null, 0));
    return p;
  }

  @Setup(Level.Trial)
  public void setUp(Blackhole bh) throws TableException {
    TestFrame hitFrame = TestFrame.v4().tcp(40000, 443, 0x10).payload(6); // 64-byte frame
    TestFrame natFrame = TestFrame.v4().src("10.0.0.3").tcp(40001, 443, 0x10).payload(6);
    hit = hitFrame.build();
    natHit = natFrame.build();
    miss = TestFrame.v4().src("10.9.9.9").tcp(1, 443, 0x10).payload(6).build();
    plain = pipeline(hitFrame, natFrame);
    acl = pipeline(hitFrame, natFrame);
    for (int i = 0; i < aclEntries; i++) {
      // each entry looks at a /24 the benchmark traffic never uses, and a port range
      AclMatch m = new AclMatch(AclMatch.Ternary.ANY, new AclMatch.Ternary(0x0800, 0xffff), AclMatch.Ternary.ANY,
          new AclMatch.Ternary(6, 0xff), new AclMatch.Ternary(0xc0a80000L | (i << 8), 0xffffff00L),
          AclMatch.Ternary.ANY, AclMatch.Ternary.ANY, AclMatch.Ternary.ANY, AclMatch.Ternary.ANY,
          AclMatch.Ternary.ANY, AclMatch.Range.ANY, new AclMatch.Range(1000, 2000));
      acl.store().insert(TableEntry.acl(m, 10 + i, new Action.Drop(), null, 0));
    }
    acl.store().insert(TableEntry.acl(AclMatch.ANY, 1, new Action.Permit(), null, 0));
    sink = new Sink(bh);
  }

  @Benchmark
  public void flowHit() {
    plain.process(1, hit.clone(), sink);
  }

  @Benchmark
  public void natHit() {
    plain.process(1, natHit.clone(), sink);
  }

  @Benchmark
  public void flowMiss() {
    plain.process(1, miss.clone(), sink);
  }

  @Benchmark
  public void aclHeavyHit() {
    acl.process(1, hit.clone(), sink);
  }
}
