package org.nftoffload.softswitch.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.PuntReason;
import org.nftoffload.softswitch.pipeline.Action.VlanMode;
import org.nftoffload.softswitch.pipeline.AclMatch.Range;
import org.nftoffload.softswitch.pipeline.AclMatch.Ternary;

/** Every row of the flowtable behaviour table, on real frames. */
class PipelineTest {

  static final int IN = 1;
  static final int OUT = 2;
  static final long NEW_SMAC = 0x0a_bb_cc_dd_ee_01L;
  static final long NEW_DMAC = 0x0a_bb_cc_dd_ee_02L;

  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  TableStore store;
  Pipeline pipeline;
  RecordingSink sink;

  @BeforeEach
  void setUp() {
    store = new TableStore(Map.of(TableKind.ACL, 8, TableKind.FLOW_V4, 4, TableKind.FLOW_V6, 4));
    pipeline = new Pipeline(store, 512, 256, clock::get);
    sink = new RecordingSink();
  }

  static Action.Forward forward(VlanMode mode, int vlan) {
    return new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, mode, vlan, null);
  }

  TableEntry installV4(TestFrame f, Action action) throws TableException {
    FlowKey key = FlowKey.v4(IN, f.proto, Frames.get32(f.src, 0), Frames.get32(f.dst, 0), f.sport, f.dport);
    TableEntry e = TableEntry.flow(TableKind.FLOW_V4, key, action, 0, null, clock.get());
    store.insert(e);
    return e;
  }

  TableEntry installV6(TestFrame f, Action action) throws TableException {
    TableEntry e = TableEntry.flow(TableKind.FLOW_V6, FlowKey.v6(IN, f.proto, f.src, f.dst, f.sport, f.dport), action,
        0, null, clock.get());
    store.insert(e);
    return e;
  }

  TableEntry acl(AclMatch match, int priority, Action action) throws TableException {
    TableEntry e = TableEntry.acl(match, priority, action, null, clock.get());
    store.insert(e);
    return e;
  }

  void assertPunted(PuntReason reason, byte[] original) {
    assertEquals(List.of(), sink.emitted.stream().map(RecordingSink.Out::port).toList(), "nothing forwarded");
    assertEquals(1, sink.punted.size(), "one packet-in");
    RecordingSink.In in = sink.punted.getFirst();
    assertEquals(reason, in.reason());
    assertEquals(IN, in.ingressPort());
    assertArrayEquals(original, in.frame(), "punted untouched");
    assertEquals(1, pipeline.puntCounter().packets(reason.code()));
  }

  byte[] forwardedOnly() {
    assertEquals(List.of(), sink.punted, "no packet-in");
    assertEquals(1, sink.emitted.size(), "one frame out");
    assertEquals(OUT, sink.emitted.getFirst().port());
    return sink.emitted.getFirst().frame();
  }

  @Test
  void nonIpIsPuntedAsFlowMissAndCountedOnRx() {
    byte[] f = TestFrame.arp().build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.FLOW_MISS, f);
    assertEquals(1, pipeline.rxPortCounter().packets(IN));
    assertEquals(f.length, pipeline.rxPortCounter().bytes(IN));
    assertEquals(1, pipeline.txPortCounter().packets(FlowtableP4.CPU_PORT), "packet-ins leave on the CPU port");
  }

  @Test
  void ipv4MissIsPuntedAsFlowMiss() {
    byte[] f = TestFrame.v4().build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.FLOW_MISS, f);
  }

  @Test
  void ipv6MissIsPuntedAsFlowMiss() {
    byte[] f = TestFrame.v6().build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.FLOW_MISS, f);
  }

  @Test
  void ipv4OptionsArePuntedEvenOnAFlowHit() throws TableException {
    TestFrame t = TestFrame.v4().options(1);
    TableEntry e = installV4(t, forward(VlanMode.KEEP, 0));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.IP_OPTIONS, f);
    assertEquals(0, e.packets(), "the flow table is not reached");
  }

  @Test
  void tcpSynFinRstArePuntedEvenOnAFlowHit() throws TableException {
    TestFrame t = TestFrame.v4().tcp(40000, 443, Frames.TCP_SYN);
    installV4(t, forward(VlanMode.KEEP, 0));
    for (int flags : new int[] {Frames.TCP_SYN, Frames.TCP_FIN | 0x10, Frames.TCP_RST, Frames.TCP_SYN | 0x10}) {
      sink.clear();
      byte[] f = t.tcp(40000, 443, flags).build();
      pipeline.process(IN, f.clone(), sink);
      assertEquals(1, sink.punted.size());
      assertEquals(PuntReason.TCP_CONTROL, sink.punted.getFirst().reason(), "flags " + flags);
      assertArrayEquals(f, sink.punted.getFirst().frame());
    }
    sink.clear();
    pipeline.process(IN, t.tcp(40000, 443, 0x18).build(), sink); // PSH|ACK is forwarded
    forwardedOnly();
  }

  @Test
  void flowHitRewritesMacsDecrementsTtlAndCounts() throws TableException {
    TestFrame t = TestFrame.v4().tcp(40000, 443, 0x10);
    TableEntry e = installV4(t, forward(VlanMode.KEEP, 0));
    byte[] f = t.build();
    clock.addAndGet(5);
    pipeline.process(IN, f.clone(), sink);
    byte[] out = forwardedOnly();
    TestFrame.Parsed p = TestFrame.Parsed.of(out);
    assertEquals(NEW_DMAC, p.dmac());
    assertEquals(NEW_SMAC, p.smac());
    assertEquals(63, p.ttl());
    assertTrue(p.ipChecksumOk(), "IPv4 header checksum");
    assertTrue(p.l4ChecksumOk(), "TCP checksum");
    assertEquals(-1, p.vlan());
    assertArrayEquals(t.src, p.src());
    assertEquals(f.length, out.length);
    assertEquals(1, e.packets());
    assertEquals(f.length, e.bytes());
    assertEquals(clock.get(), e.lastHitNanos());
    assertEquals(1, pipeline.txPortCounter().packets(OUT));
    assertEquals(f.length, pipeline.txPortCounter().bytes(OUT));
  }

  @Test
  void ttlOneOnAHitIsPuntedWithoutRewrites() throws TableException {
    TestFrame t = TestFrame.v4().ttl(1);
    TableEntry e = installV4(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.SET, 7,
        new Action.Nat(TestFrame.addr("192.0.2.1"), TestFrame.addr("192.0.2.2"), 1, 2)));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.TTL_EXPIRED, f);
    assertEquals(1, e.packets(), "the direct counter counts the hit");
  }

  @Test
  void ttlZeroIsPuntedAndTtlTwoIsForwardedWithOne() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    pipeline.process(IN, t.ttl(0).build(), sink);
    assertEquals(PuntReason.TTL_EXPIRED, sink.punted.getFirst().reason());
    sink.clear();
    pipeline.process(IN, t.ttl(2).build(), sink);
    assertEquals(1, TestFrame.Parsed.of(forwardedOnly()).ttl());
  }

  @Test
  void hopLimitOneOnAnIpv6HitIsPunted() throws TableException {
    TestFrame t = TestFrame.v6().ttl(1);
    installV6(t, forward(VlanMode.KEEP, 0));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.TTL_EXPIRED, f);
  }

  @Test
  void ipv6HitDecrementsHopLimit() throws TableException {
    TestFrame t = TestFrame.v6().tcp(5000, 80, 0x10);
    installV6(t, forward(VlanMode.KEEP, 0));
    pipeline.process(IN, t.build(), sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertEquals(63, p.ttl());
    assertEquals(NEW_DMAC, p.dmac());
    assertTrue(p.l4ChecksumOk());
  }

  @Test
  void vlanPushOnUntaggedFrame() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.SET, 100));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    byte[] out = forwardedOnly();
    assertEquals(f.length + 4, out.length);
    assertEquals(f.length, pipeline.txPortCounter().bytes(OUT), "counters count the frame as received");
    TestFrame.Parsed p = TestFrame.Parsed.of(out);
    assertEquals(100, p.vlan());
    assertEquals(Frames.ETHERTYPE_IPV4, p.ethType());
    assertTrue(p.ipChecksumOk());
    assertTrue(p.l4ChecksumOk());
    assertArrayEquals(TestFrame.Parsed.of(f).payload(), p.payload());
  }

  @Test
  void vlanRewriteKeepsPriority() throws TableException {
    TestFrame t = TestFrame.v4().vlan(10, 5);
    installV4(t, forward(VlanMode.SET, 20));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    byte[] out = forwardedOnly();
    assertEquals(f.length, out.length);
    TestFrame.Parsed p = TestFrame.Parsed.of(out);
    assertEquals(20, p.vlan());
    assertEquals(5, p.pcp());
  }

  @Test
  void vlanPopOnTaggedFrame() throws TableException {
    TestFrame t = TestFrame.v4().vlan(10, 0);
    installV4(t, forward(VlanMode.POP, 0));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    byte[] out = forwardedOnly();
    assertEquals(f.length - 4, out.length);
    TestFrame.Parsed p = TestFrame.Parsed.of(out);
    assertEquals(-1, p.vlan());
    assertEquals(Frames.ETHERTYPE_IPV4, p.ethType());
    assertTrue(p.l4ChecksumOk());
  }

  @Test
  void plainForwardKeepsTheTag() throws TableException {
    TestFrame t = TestFrame.v4().vlan(33, 3);
    installV4(t, forward(VlanMode.KEEP, 0));
    pipeline.process(IN, t.build(), sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertEquals(33, p.vlan());
    assertEquals(3, p.pcp());
  }

  @Test
  void popAndKeepOnUntaggedFramesLeaveThemUntagged() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.POP, 0));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    assertEquals(f.length, forwardedOnly().length);
  }

  @Test
  void natV4TcpRewritesAddressesPortsAndChecksums() throws TableException {
    TestFrame t = TestFrame.v4().tcp(40000, 443, 0x18).payload(101);
    byte[] newSrc = TestFrame.addr("198.51.100.7");
    byte[] newDst = TestFrame.addr("203.0.113.9");
    installV4(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.POP, 0, new Action.Nat(newSrc, newDst, 61000,
        8443)));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertArrayEquals(newSrc, p.src());
    assertArrayEquals(newDst, p.dst());
    assertEquals(61000, p.sport());
    assertEquals(8443, p.dport());
    assertEquals(63, p.ttl());
    assertTrue(p.ipChecksumOk(), "IPv4 header checksum after NAT and TTL");
    assertTrue(p.l4ChecksumOk(), "TCP checksum after NAT");
    assertArrayEquals(TestFrame.Parsed.of(f).payload(), p.payload());
  }

  @Test
  void natV4UdpUpdatesTheChecksumAndPushesTheVlan() throws TableException {
    TestFrame t = TestFrame.v4().udp(5353, 53).payload(33);
    installV4(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.SET, 300,
        new Action.Nat(TestFrame.addr("100.64.0.1"), TestFrame.addr("10.9.8.7"), 1024, 5353)));
    pipeline.process(IN, t.build(), sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertEquals(300, p.vlan());
    assertTrue(p.ipChecksumOk());
    assertTrue(p.l4ChecksumOk());
    assertTrue(p.l4Checksum() != 0);
    assertEquals(1024, p.sport());
  }

  @Test
  void natV4UdpWithoutChecksumKeepsZero() throws TableException {
    TestFrame t = TestFrame.v4().udp(5353, 53).noUdpChecksum();
    installV4(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.POP, 0,
        new Action.Nat(TestFrame.addr("100.64.0.1"), TestFrame.addr("10.9.8.7"), 1024, 5353)));
    pipeline.process(IN, t.build(), sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertEquals(0, p.l4Checksum());
    assertTrue(p.ipChecksumOk());
  }

  @Test
  void natChecksumsAreRightForManyRandomFlows() throws TableException {
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 200; i++) {
      setUp();
      TestFrame t = TestFrame.v4().payload(random.nextInt(60));
      if (random.nextBoolean()) {
        t.tcp(random.nextInt(65536), random.nextInt(65536), 0x10);
      } else {
        t.udp(random.nextInt(65536), random.nextInt(65536));
      }
      byte[] a = new byte[4];
      byte[] b = new byte[4];
      random.nextBytes(a);
      random.nextBytes(b);
      t.src = a.clone();
      random.nextBytes(a);
      t.dst = a.clone();
      random.nextBytes(a);
      installV4(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.KEEP, 0,
          new Action.Nat(a, b, random.nextInt(65536), random.nextInt(65536))));
      pipeline.process(IN, t.build(), sink);
      TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
      assertTrue(p.ipChecksumOk(), "IPv4 checksum, flow " + i);
      assertTrue(p.l4ChecksumOk(), "L4 checksum, flow " + i);
      assertArrayEquals(b, p.dst());
    }
  }

  @Test
  void natV6UdpRewritesAndKeepsTheChecksumRight() throws TableException {
    TestFrame t = TestFrame.v6().udp(5000, 53).payload(17);
    byte[] newSrc = TestFrame.addr("2001:db8:ffff::10");
    byte[] newDst = TestFrame.addr("fd00::53");
    installV6(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.POP, 0, new Action.Nat(newSrc, newDst, 6000,
        5353)));
    pipeline.process(IN, t.build(), sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertArrayEquals(newSrc, p.src());
    assertArrayEquals(newDst, p.dst());
    assertEquals(6000, p.sport());
    assertEquals(63, p.ttl());
    assertTrue(p.l4ChecksumOk());
  }

  @Test
  void aclHigherPriorityWinsAndRangesMatchInclusively() throws TableException {
    TestFrame t = TestFrame.v4().udp(40000, 53);
    installV4(t, forward(VlanMode.KEEP, 0));
    AclMatch dnsRange = new AclMatch(Ternary.ANY, new Ternary(0x0800, 0xffff), Ternary.ANY, new Ternary(17, 0xff),
        Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Range.ANY, new Range(53, 60));
    TableEntry drop = acl(dnsRange, 10, new Action.Drop());
    TableEntry permit = acl(AclMatch.ANY, 20, new Action.Permit());
    pipeline.process(IN, t.build(), sink);
    forwardedOnly();
    assertEquals(1, permit.packets());
    assertEquals(0, drop.packets());

    store.remove(TableKind.ACL, permit.key());
    for (int port : new int[] {52, 53, 60, 61}) {
      sink.clear();
      pipeline.process(IN, t.udp(40000, port).build(), sink);
      boolean inRange = port >= 53 && port <= 60;
      assertEquals(inRange ? 0 : 1, sink.punted.size() + sink.emitted.size(), "dport " + port);
    }
    assertEquals(2, drop.packets());
  }

  @Test
  void aclTernaryOnAddressesAndPorts() throws TableException {
    AclMatch subnet = new AclMatch(new Ternary(IN, 0x1ff), Ternary.ANY, Ternary.ANY, Ternary.ANY,
        new Ternary(0x0a000000L, 0xff000000L), Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY,
        Range.ANY, Range.ANY);
    acl(subnet, 5, new Action.Drop());
    pipeline.process(IN, TestFrame.v4().src("10.1.2.3").build(), sink);
    assertEquals(0, sink.punted.size());
    pipeline.process(IN, TestFrame.v4().src("11.1.2.3").build(), sink);
    assertEquals(1, sink.punted.size(), "outside the subnet: on to the flow tables (miss)");
    pipeline.process(3, TestFrame.v4().src("10.1.2.3").build(), sink);
    assertEquals(2, sink.punted.size(), "other ingress port");
  }

  @Test
  void aclMatchesIpv6AndVlan() throws TableException {
    byte[] prefix = TestFrame.addr("2001:db8::");
    AclMatch v6 = new AclMatch(Ternary.ANY, new Ternary(0x86dd, 0xffff), new Ternary(42, 0xfff), Ternary.ANY,
        Ternary.ANY, Ternary.ANY, new Ternary(Frames.get64(prefix, 0), 0xffffffff_00000000L), Ternary.ANY,
        Ternary.ANY, Ternary.ANY, Range.ANY, Range.ANY);
    acl(v6, 1, new Action.Punt());
    byte[] f = TestFrame.v6().vlan(42, 0).build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.ACL_PUNT, f);
    sink.clear();
    pipeline.process(IN, TestFrame.v6().vlan(43, 0).build(), sink);
    assertEquals(PuntReason.FLOW_MISS, sink.punted.getFirst().reason());
  }

  @Test
  void aclDropDropsAndCounts() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    TableEntry drop = acl(AclMatch.ANY, 1, new Action.Drop());
    pipeline.process(IN, t.build(), sink);
    assertEquals(List.of(), sink.emitted);
    assertEquals(List.of(), sink.punted);
    assertEquals(1, drop.packets());
    assertEquals(1, pipeline.rxPortCounter().packets(IN));
  }

  @Test
  void aclPuntSendsToCpuWithAclPunt() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    acl(AclMatch.ANY, 1, new Action.Punt());
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    assertPunted(PuntReason.ACL_PUNT, f);
  }

  @Test
  void copyToCpuClonesThroughTheCpuSessionAndForwardsTheOriginal() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    acl(AclMatch.ANY, 1, new Action.CopyToCpu());
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    assertEquals(List.of(), sink.punted, "no clone session, no copy");
    forwardedOnly();

    sink.clear();
    pipeline.cloneSessions().put(FlowtableP4.CPU_CLONE_SESSION_ID,
        new CloneSession(FlowtableP4.CPU_CLONE_SESSION_ID, List.of(FlowtableP4.CPU_PORT), 0));
    pipeline.process(IN, f.clone(), sink);
    assertEquals(1, sink.punted.size());
    assertEquals(PuntReason.ACL_LOG, sink.punted.getFirst().reason());
    assertArrayEquals(f, sink.punted.getFirst().frame(), "the log copy is the frame as received");
    assertEquals(1, sink.emitted.size());
    assertEquals(62 + 1, TestFrame.Parsed.of(sink.emitted.getFirst().frame()).ttl());
    assertEquals(2, pipeline.puntCounter().packets(PuntReason.ACL_LOG.code()), "counted in ingress, session or not");
    assertEquals(1, pipeline.txPortCounter().packets(FlowtableP4.CPU_PORT));

    sink.clear();
    pipeline.cloneSessions().put(FlowtableP4.CPU_CLONE_SESSION_ID,
        new CloneSession(FlowtableP4.CPU_CLONE_SESSION_ID, List.of(FlowtableP4.CPU_PORT), 20));
    pipeline.process(IN, f.clone(), sink);
    assertEquals(20, sink.punted.getFirst().frame().length, "truncated to packet_length_bytes");
  }

  @Test
  void meterDropsRedAndPassesGreenAndYellow() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    TableEntry limit = acl(AclMatch.ANY, 1, new Action.Meter());
    limit.meterConfig(new TwoRateMeter.Config(1, 1, 2, 2), clock.get());
    int forwarded = 0;
    for (int i = 0; i < 5; i++) {
      sink.clear();
      pipeline.process(IN, t.build(), sink);
      forwarded += sink.emitted.size();
    }
    assertEquals(2, forwarded, "pburst 2: two pass, the rest are red");
    assertEquals(5, limit.packets(), "the direct counter counts every hit");
    clock.addAndGet(1_000_000_000L); // one second: pir refills 2 packets
    forwarded = 0;
    for (int i = 0; i < 3; i++) {
      sink.clear();
      pipeline.process(IN, t.build(), sink);
      forwarded += sink.emitted.size();
    }
    assertEquals(2, forwarded);
  }

  @Test
  void unconfiguredMeterPassesEverything() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    acl(AclMatch.ANY, 1, new Action.Meter());
    for (int i = 0; i < 10; i++) {
      pipeline.process(IN, t.build(), sink);
    }
    assertEquals(10, sink.emitted.size());
  }

  @Test
  void packetOutGoesStraightToItsPort() throws TableException {
    acl(AclMatch.ANY, 1, new Action.Drop());
    byte[] f = TestFrame.v4().build();
    pipeline.packetOut(7, f.clone(), sink);
    assertEquals(1, sink.emitted.size());
    assertEquals(7, sink.emitted.getFirst().port());
    assertArrayEquals(f, sink.emitted.getFirst().frame());
    assertEquals(1, pipeline.txPortCounter().packets(7));
    assertEquals(f.length + 2, pipeline.txPortCounter().bytes(7), "the packet_out header counts");
    assertEquals(0, pipeline.rxPortCounter().packets(FlowtableP4.CPU_PORT));
  }

  @Test
  void packetOutToTheCpuPortLoopsBackWithReasonZero() {
    byte[] f = TestFrame.v4().build();
    pipeline.packetOut(FlowtableP4.CPU_PORT, f.clone(), sink);
    assertEquals(1, sink.punted.size());
    assertEquals(null, sink.punted.getFirst().reason());
    assertEquals(FlowtableP4.CPU_PORT, sink.punted.getFirst().ingressPort());
    assertEquals(0, pipeline.puntCounter().packets(0), "a loop-back is not a punt");
    assertEquals(1, pipeline.txPortCounter().packets(FlowtableP4.CPU_PORT));
  }

  @Test
  void ipv4FragmentsArePuntedAsFlowMissAndTheAclSeesPortsZero() throws TableException {
    TestFrame t = TestFrame.v4().udp(40000, 53);
    installV4(t, forward(VlanMode.KEEP, 0));
    AclMatch portZero = new AclMatch(Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY,
        Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, new Range(0, 0), new Range(0, 0));
    TableEntry seen = acl(portZero, 1, new Action.Permit());
    for (int frag : new int[] {0x2000, 0x0001, 0x2010}) {
      sink.clear();
      byte[] f = t.fragment(frag).build();
      pipeline.process(IN, f.clone(), sink);
      assertPunted(PuntReason.FLOW_MISS, f);
      pipeline.puntCounter().set(PuntReason.FLOW_MISS.code(), 0, 0);
    }
    assertEquals(3, seen.packets(), "fragments have no parsed L4 header");
    sink.clear();
    pipeline.process(IN, t.fragment(0x4000).build(), sink); // DF alone is not a fragment
    forwardedOnly();
  }

  @Test
  void ipv4OptionsHideTheL4PortsFromTheAcl() throws TableException {
    AclMatch portZero = new AclMatch(Ternary.ANY, Ternary.ANY, Ternary.ANY, new Ternary(17, 0xff), Ternary.ANY,
        Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, Ternary.ANY, new Range(0, 0), new Range(0, 0));
    TableEntry seen = acl(portZero, 1, new Action.Permit());
    pipeline.process(IN, TestFrame.v4().udp(1000, 2000).options(2).build(), sink);
    assertEquals(1, seen.packets());
    assertEquals(PuntReason.IP_OPTIONS, sink.punted.getFirst().reason());
  }

  @Test
  void wrongIpv4HeaderChecksumIsDroppedAfterTheAcl() throws TableException {
    TestFrame t = TestFrame.v4().badIpChecksum();
    installV4(t, forward(VlanMode.KEEP, 0));
    TableEntry permit = acl(AclMatch.ANY, 1, new Action.Permit());
    pipeline.process(IN, t.build(), sink);
    assertEquals(List.of(), sink.emitted);
    assertEquals(List.of(), sink.punted);
    assertEquals(1, permit.packets());
    sink.clear();
    byte[] withOptions = TestFrame.v4().options(1).badIpChecksum().build();
    pipeline.process(IN, withOptions, sink);
    assertEquals(PuntReason.IP_OPTIONS, sink.punted.getFirst().reason(), "only IHL 5 headers are verified");
  }

  @Test
  void doubleTaggedFramesAreNonIp() {
    byte[] f = TestFrame.v4().vlan(5, 0).build();
    byte[] qinq = new byte[f.length + 4];
    System.arraycopy(f, 0, qinq, 0, 16);
    Frames.put16(qinq, 16, Frames.ETHERTYPE_VLAN);
    Frames.put16(qinq, 18, 6);
    System.arraycopy(f, 16, qinq, 20, f.length - 16);
    pipeline.process(IN, qinq.clone(), sink);
    assertPunted(PuntReason.FLOW_MISS, qinq);
  }

  @Test
  void ipv6ExtensionHeaderIsLookedUpWithItsNumberAndPortsZero() throws TableException {
    TestFrame t = TestFrame.v6().proto(0); // hop-by-hop options first
    t.sport = 0;
    t.dport = 0;
    installV6(t, forward(VlanMode.KEEP, 0));
    pipeline.process(IN, t.build(), sink);
    forwardedOnly();
    sink.clear();
    pipeline.process(IN, TestFrame.v6().proto(43).build(), sink);
    assertEquals(PuntReason.FLOW_MISS, sink.punted.getFirst().reason());
  }

  @Test
  void icmpNatRewritesAddressesOnlyAndLeavesTheIcmpChecksum() throws TableException {
    TestFrame t = TestFrame.v4().proto(1);
    t.sport = 0;
    t.dport = 0;
    byte[] newSrc = TestFrame.addr("203.0.113.1");
    installV4(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.POP, 0,
        new Action.Nat(newSrc, t.dst, 61000, 443)));
    byte[] f = t.build();
    pipeline.process(IN, f.clone(), sink);
    byte[] out = forwardedOnly();
    assertArrayEquals(newSrc, java.util.Arrays.copyOfRange(out, 26, 30));
    assertArrayEquals(java.util.Arrays.copyOfRange(f, 34, f.length), java.util.Arrays.copyOfRange(out, 34, out.length),
        "the ICMP message is untouched");
    assertTrue(Checksums.ipv4HeaderChecksumOk(out, 14, 20));
  }

  @Test
  void natV6UdpRecomputesAZeroChecksum() throws TableException {
    TestFrame t = TestFrame.v6().udp(5000, 53);
    installV6(t, new Action.Forward(OUT, NEW_SMAC, NEW_DMAC, VlanMode.POP, 0, new Action.Nat(t.src, t.dst, 5001, 53)));
    byte[] f = t.build();
    Frames.put16(f, 14 + 40 + 6, 0);
    pipeline.process(IN, f, sink);
    TestFrame.Parsed p = TestFrame.Parsed.of(forwardedOnly());
    assertTrue(p.l4Checksum() != 0);
    assertTrue(p.l4ChecksumOk());
  }

  @Test
  void ttlExpiredHitRefreshesTheIdleTimer() throws TableException {
    TestFrame t = TestFrame.v4().ttl(1);
    TableEntry e = installV4(t, forward(VlanMode.KEEP, 0));
    clock.addAndGet(777);
    pipeline.process(IN, t.build(), sink);
    assertEquals(clock.get(), e.lastHitNanos());
  }

  @Test
  void runtIsDroppedButCounted() {
    pipeline.process(IN, new byte[10], sink);
    assertEquals(List.of(), sink.emitted);
    assertEquals(List.of(), sink.punted);
    assertEquals(1, pipeline.rxPortCounter().packets(IN));
  }

  @Test
  void tablesRefuseDuplicatesAndOverflowPerEntry() throws TableException {
    TestFrame t = TestFrame.v4();
    installV4(t, forward(VlanMode.KEEP, 0));
    TableException dup = assertThrows(TableException.class, () -> installV4(t, forward(VlanMode.KEEP, 0)));
    assertEquals(TableException.Reason.ALREADY_EXISTS, dup.reason());
    for (int i = 1; i < 4; i++) {
      installV4(t.udp(1000 + i, 53), forward(VlanMode.KEEP, 0));
    }
    TableException full = assertThrows(TableException.class, () -> installV4(t.udp(2000, 53),
        forward(VlanMode.KEEP, 0)));
    assertEquals(TableException.Reason.RESOURCE_EXHAUSTED, full.reason());
    TableException dupWhenFull = assertThrows(TableException.class, () -> installV4(t.udp(1003, 53),
        forward(VlanMode.KEEP, 0)));
    assertEquals(TableException.Reason.ALREADY_EXISTS, dupWhenFull.reason(), "a duplicate is a duplicate, full or not");
    assertEquals(4, store.size(TableKind.FLOW_V4));
    assertEquals(0, store.size(TableKind.FLOW_V6), "another table still has room");
  }

  @Test
  void idleEntriesAreReportedEveryTtlWhileIdleAndAHitRestartsTheTimer() throws TableException {
    TestFrame t = TestFrame.v4();
    FlowKey key = FlowKey.v4(IN, t.proto, Frames.get32(t.src, 0), Frames.get32(t.dst, 0), t.sport, t.dport);
    TableEntry e = TableEntry.flow(TableKind.FLOW_V4, key, forward(VlanMode.KEEP, 0), 1_000_000_000L, null,
        clock.get());
    store.insert(e);
    long inserted = clock.get();
    clock.addAndGet(999_999_999L);
    assertEquals(List.of(), pipeline.collectIdle());
    clock.addAndGet(1);
    assertEquals(List.of(e), pipeline.collectIdle());
    assertEquals(List.of(), pipeline.collectIdle(), "the notification reset the timer");
    clock.addAndGet(999_999_999L);
    assertEquals(List.of(), pipeline.collectIdle());
    clock.addAndGet(1);
    assertEquals(List.of(e), pipeline.collectIdle(), "still idle one TTL later: reported again");
    assertEquals(inserted, e.lastHitNanos(), "notifications do not count as hits");
    clock.addAndGet(500_000_000L);
    pipeline.process(IN, t.build(), sink);
    clock.addAndGet(999_999_999L);
    assertEquals(List.of(), pipeline.collectIdle(), "a hit restarts the timer");
    clock.addAndGet(1);
    assertEquals(List.of(e), pipeline.collectIdle());
  }
}
