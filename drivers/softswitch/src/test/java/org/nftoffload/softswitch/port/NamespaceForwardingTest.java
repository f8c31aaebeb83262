package org.nftoffload.softswitch.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nftoffload.linux.NetworkNamespace;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import org.nftoffload.softswitch.pipeline.TestFrame;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.Action;
import p4.v1.P4RuntimeOuterClass.CounterData;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.TableAction;
import p4.v1.P4RuntimeOuterClass.TableEntry;
import p4.v1.P4RuntimeOuterClass.Uint128;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/**
 * The switch between two network namespaces of the real kernel: hosts A (10.77.1.2) and B (10.77.2.2) are joined
 * to switch ports 1 and 2 by veth pairs whose root-namespace ends the switch opens with AF_PACKET. Flow entries
 * written over gRPC route ICMP between them (ping) and NAT a UDP conversation (A's 10.77.1.2:5000 appears to B
 * as 10.77.2.1:7000), which only works if MACs, addresses, ports and checksums are rewritten right.
 */
class NamespaceForwardingTest {

  static final String ID = Long.toString(ProcessHandle.current().pid() % 10000, 36)
      + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
  static final String NS_A = "ssw-a-" + ID;
  static final String NS_B = "ssw-b-" + ID;
  static final String VETH_A = "swa" + ID;
  static final String VETH_B = "swb" + ID;
  static final long MAC_A = 0x02_00_00_77_01_02L;
  static final long MAC_B = 0x02_00_00_77_02_02L;
  static final long ROUTER_A = 0x02_00_00_77_01_01L;
  static final long ROUTER_B = 0x02_00_00_77_02_01L;

  /** Each test's session takes a higher election id than the last: the switch remembers the highest seen. */
  static final java.util.concurrent.atomic.AtomicLong ELECTION = new java.util.concurrent.atomic.AtomicLong();
  static boolean created;
  static SoftSwitch sw;

  static String mac(long m) {
    return String.format("%02x:%02x:%02x:%02x:%02x:%02x", (m >> 40) & 0xff, (m >> 32) & 0xff, (m >> 24) & 0xff,
        (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
  }

  static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
  }

  static boolean quietly(String... cmd) {
    try {
      run(cmd);
      return true;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @BeforeAll
  static void topology() throws Exception {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "needs root to create network namespaces (running as " + System.getProperty("user.name") + ")";
    } else if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
        && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
      why = "needs iproute2 (ip); run bin/setup";
    } else if (!Files.isExecutable(Path.of("/usr/bin/ping")) && !Files.isExecutable(Path.of("/bin/ping"))) {
      why = "needs ping (iputils-ping); run bin/setup";
    }
    if (why != null) {
      if (System.getenv("CI") != null) {
        throw new IllegalStateException("NamespaceForwardingTest cannot run under CI: " + why);
      }
      Assumptions.abort(why);
    }
    created = true;
    run("ip", "netns", "add", NS_A);
    run("ip", "netns", "add", NS_B);
    for (String[] side : new String[][] {{NS_A, VETH_A, mac(MAC_A), "10.77.1.2/24", "10.77.1.1", mac(ROUTER_A),
        "10.77.2.0/24"}, {NS_B, VETH_B, mac(MAC_B), "10.77.2.2/24", "10.77.2.1", mac(ROUTER_B), "10.77.1.0/24"}}) {
      String ns = side[0];
      String root = side[1];
      String inner = root + "p";
      run("ip", "link", "add", root, "type", "veth", "peer", "name", inner);
      run("ip", "link", "set", inner, "netns", ns);
      run("ip", "-n", ns, "link", "set", inner, "address", side[2]);
      run("ip", "-n", ns, "addr", "add", side[3], "dev", inner);
      run("ip", "-n", ns, "link", "set", "lo", "up");
      run("ip", "-n", ns, "link", "set", inner, "up");
      run("ip", "-n", ns, "neigh", "replace", side[4], "lladdr", side[5], "dev", inner, "nud", "permanent");
      run("ip", "-n", ns, "route", "add", side[6], "via", side[4], "dev", inner);
      quietly("sysctl", "-q", "-w", "net.ipv6.conf." + root + ".disable_ipv6=1");
      run("ip", "link", "set", root, "up");
    }
    sw = SoftSwitch.start(SoftSwitchConfig.defaults().withPorts(List.of(
        new SoftSwitchConfig.PortConfig(1, VETH_A, null), new SoftSwitchConfig.PortConfig(2, VETH_B, null))));
  }

  @AfterAll
  static void teardown() {
    if (sw != null) {
      sw.close();
    }
    if (created) {
      quietly("ip", "link", "del", VETH_A);
      quietly("ip", "link", "del", VETH_B);
      quietly("ip", "netns", "del", NS_A);
      quietly("ip", "netns", "del", NS_B);
    }
  }

  final P4Info p4Info = FlowtablePipeline.load().p4Info();

  int tableId(String alias) {
    return p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals(alias)).findFirst()
        .orElseThrow().getPreamble().getId();
  }

  int fieldId(String field) {
    return p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals("flow_v4")).findFirst()
        .orElseThrow().getMatchFieldsList().stream().filter(f -> f.getName().equals(field)).findFirst().orElseThrow()
        .getId();
  }

  static ByteString bytes(long v, int n) {
    byte[] b = new byte[n];
    for (int i = n - 1; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return ByteString.copyFrom(b);
  }

  static ByteString ip(String s) throws IOException {
    return ByteString.copyFrom(InetAddress.getByName(s).getAddress());
  }

  /** A flow_v4 entry: key (port, proto, src, dst, sport, dport) → action with params in declaration order. */
  TableEntry flow(int port, int proto, String src, String dst, int sport, int dport, String action,
      Map<String, ByteString> params) throws IOException {
    TableEntry.Builder e = TableEntry.newBuilder().setTableId(tableId("flow_v4"));
    Object[][] key = {{"ingress_port", bytes(port, 2)}, {"ip_proto", bytes(proto, 1)}, {"ipv4_src", ip(src)},
        {"ipv4_dst", ip(dst)}, {"l4_sport", bytes(sport, 2)}, {"l4_dport", bytes(dport, 2)}};
    for (Object[] k : key) {
      e.addMatch(FieldMatch.newBuilder().setFieldId(fieldId((String) k[0]))
          .setExact(FieldMatch.Exact.newBuilder().setValue((ByteString) k[1])));
    }
    var a = p4Info.getActionsList().stream().filter(x -> x.getPreamble().getAlias().equals(action)).findFirst()
        .orElseThrow();
    Action.Builder ab = Action.newBuilder().setActionId(a.getPreamble().getId());
    a.getParamsList().forEach(p -> ab.addParams(Action.Param.newBuilder().setParamId(p.getId())
        .setValue(params.get(p.getName()))));
    return e.setAction(TableAction.newBuilder().setAction(ab)).build();
  }

  /** A P4Runtime session: primary with {@code election}, the flowtable pipeline freshly committed. */
  record Session(ManagedChannel channel, P4RuntimeGrpc.P4RuntimeBlockingStub blocking,
      io.grpc.stub.StreamObserver<StreamMessageRequest> stream, Uint128 election) implements AutoCloseable {
    void write(List<Entity> entities) {
      WriteRequest.Builder w = WriteRequest.newBuilder().setDeviceId(sw.deviceId()).setElectionId(election);
      entities.forEach(e -> w.addUpdates(Update.newBuilder().setType(Update.Type.INSERT).setEntity(e)));
      blocking.write(w.build());
    }

    List<TableEntry> read(TableEntry request) {
      List<TableEntry> out = new ArrayList<>();
      blocking.read(ReadRequest.newBuilder().setDeviceId(sw.deviceId()).addEntities(Entity.newBuilder()
          .setTableEntry(request)).build()).forEachRemaining(r -> r.getEntitiesList().forEach(
              e -> out.add(e.getTableEntry())));
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      stream.onCompleted();
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  Session session(long electionId) throws InterruptedException {
    InetSocketAddress address = sw.address();
    ManagedChannel channel = ManagedChannelBuilder.forAddress(address.getHostString(), address.getPort())
        .usePlaintext().build();
    var arbitration = new java.util.concurrent.LinkedBlockingQueue<StreamMessageResponse>();
    var stream = P4RuntimeGrpc.newStub(channel).streamChannel(new io.grpc.stub.StreamObserver<>() {
      public void onNext(StreamMessageResponse m) {
        if (m.hasArbitration()) {
          arbitration.add(m);
        }
      }

      public void onError(Throwable t) { }

      public void onCompleted() { }
    });
    Uint128 election = Uint128.newBuilder().setLow(electionId).build();
    stream.onNext(StreamMessageRequest.newBuilder().setArbitration(MasterArbitrationUpdate.newBuilder()
        .setDeviceId(sw.deviceId()).setElectionId(election)).build());
    StreamMessageResponse r = arbitration.poll(10, TimeUnit.SECONDS);
    assertNotNull(r);
    assertEquals(0, r.getArbitration().getStatus().getCode(), "primary");
    var blocking = P4RuntimeGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    blocking.setForwardingPipelineConfig(SetForwardingPipelineConfigRequest.newBuilder()
        .setDeviceId(sw.deviceId()).setElectionId(election)
        .setAction(SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT)
        .setConfig(ForwardingPipelineConfig.newBuilder().setP4Info(p4Info)).build());
    return new Session(channel, blocking, stream, election);
  }

  static Entity entity(TableEntry e) {
    return Entity.newBuilder().setTableEntry(e).build();
  }

  TableEntry acl(int priority, String action, FieldMatch... matches) {
    var a = p4Info.getActionsList().stream().filter(x -> x.getPreamble().getAlias().equals(action)).findFirst()
        .orElseThrow();
    return TableEntry.newBuilder().setTableId(tableId("acl")).setPriority(priority).addAllMatch(List.of(matches))
        .setAction(TableAction.newBuilder().setAction(Action.newBuilder().setActionId(a.getPreamble().getId())))
        .build();
  }

  FieldMatch ternary(String field, ByteString value, ByteString mask) {
    int id = p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals("acl")).findFirst()
        .orElseThrow().getMatchFieldsList().stream().filter(f -> f.getName().equals(field)).findFirst()
        .orElseThrow().getId();
    return FieldMatch.newBuilder().setFieldId(id).setTernary(FieldMatch.Ternary.newBuilder().setValue(value)
        .setMask(mask)).build();
  }

  /**
   * VLAN through real ports. Host A is a raw socket inside namespace A sending a frame tagged with VLAN 10 (this
   * kernel has no VLAN devices); the receiving kernel moves the tag out of band, so the switch's port must put it
   * back for the ACL to see it: the ACL lets A's address through only with vlan_id 10 and drops it otherwise. The
   * flow entries pop the tag towards B and push it back towards A; both hosts check the frames byte for byte.
   */
  @Test
  void taggedFramesKeepTheirTagIntoTheSwitchAndArePoppedAndPushed() throws Exception {
    var atA = new java.util.concurrent.LinkedBlockingQueue<byte[]>();
    var atB = new java.util.concurrent.LinkedBlockingQueue<byte[]>();
    try (Session s = session(ELECTION.incrementAndGet());
        RawSocketPort hostA = RawSocketPort.open(100, VETH_A + "p", NS_A);
        RawSocketPort hostB = RawSocketPort.open(101, VETH_B + "p", NS_B)) {
      hostA.start((port, frame) -> atA.add(frame));
      hostB.start((port, frame) -> atB.add(frame));
      TableEntry permitTagged = acl(20, "permit_acl", ternary("vlan_id", bytes(10, 1), bytes(0xfff, 2)),
          ternary("ipv4_src", ip("10.77.10.2"), bytes(0xffffffffL, 4)));
      TableEntry dropUntagged = acl(10, "drop_acl", ternary("ipv4_src", ip("10.77.10.2"), bytes(0xffffffffL, 4)));
      s.write(List.of(entity(permitTagged), entity(dropUntagged),
          entity(flow(1, 17, "10.77.10.2", "10.77.20.2", 1111, 2222, "forward_untag_flow_v4",
              fwd(2, ROUTER_B, MAC_B))),
          entity(flow(2, 17, "10.77.20.2", "10.77.10.2", 2222, 1111, "forward_vlan_flow_v4",
              Map.of("port", bytes(1, 2), "smac", bytes(ROUTER_A, 6), "dmac", bytes(MAC_A, 6),
                  "vlan_id", bytes(10, 2))))));

      TestFrame request = TestFrame.v4().vlan(10, 3).src("10.77.10.2").dst("10.77.20.2").udp(1111, 2222);
      request.smac = MAC_A;
      request.dmac = ROUTER_A;
      hostA.send(request.build());
      TestFrame.Parsed atHostB = TestFrame.Parsed.of(next(atB, 2222));
      assertEquals(-1, atHostB.vlan(), "popped towards B");
      assertEquals(MAC_B, atHostB.dmac());
      assertEquals(ROUTER_B, atHostB.smac());
      assertEquals(63, atHostB.ttl());
      assertTrue(atHostB.ipChecksumOk());

      TestFrame reply = TestFrame.v4().src("10.77.20.2").dst("10.77.10.2").udp(2222, 1111);
      reply.smac = MAC_B;
      reply.dmac = ROUTER_B;
      hostB.send(reply.build());
      TestFrame.Parsed atHostA = TestFrame.Parsed.of(next(atA, 1111));
      assertEquals(10, atHostA.vlan(), "pushed towards A");
      assertEquals(0, atHostA.pcp(), "a pushed tag has PCP 0");
      assertEquals(MAC_A, atHostA.dmac());
      assertEquals(ROUTER_A, atHostA.smac());

      List<TableEntry> acl = s.read(TableEntry.newBuilder().setTableId(tableId("acl"))
          .setCounterData(CounterData.getDefaultInstance()).build());
      for (TableEntry e : acl) {
        assertEquals(e.getPriority() == 20 ? 1 : 0, e.getCounterData().getPacketCount(),
            "priority " + e.getPriority() + ": the frame reached the ACL with its tag");
      }
    }
  }

  /** The next IPv4 UDP frame to {@code dport} a host saw (other traffic, e.g. IPv6 neighbour discovery, skipped). */
  private static byte[] next(java.util.concurrent.BlockingQueue<byte[]> frames, int dport) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      byte[] f = frames.poll(100, TimeUnit.MILLISECONDS);
      if (f == null) {
        continue;
      }
      int l3 = (f[12] & 0xff) == 0x81 && f[13] == 0 ? 18 : 14;
      if (f.length >= l3 + 28 && (f[l3 - 2] & 0xff) == 0x08 && f[l3 - 1] == 0 && f[l3 + 9] == 17
          && (((f[l3 + 22] & 0xff) << 8) | (f[l3 + 23] & 0xff)) == dport) {
        return f;
      }
    }
    throw new AssertionError("no UDP frame to port " + dport + " within 10 s");
  }

  Map<String, ByteString> fwd(int port, long smac, long dmac) {
    return Map.of("port", bytes(port, 2), "smac", bytes(smac, 6), "dmac", bytes(dmac, 6));
  }

  Map<String, ByteString> nat(int port, long smac, long dmac, String src, String dst, int sport, int dport)
      throws IOException {
    return Map.of("port", bytes(port, 2), "smac", bytes(smac, 6), "dmac", bytes(dmac, 6), "vlan_id", bytes(0, 2),
        "ipv4_src", ip(src), "ipv4_dst", ip(dst), "l4_sport", bytes(sport, 2), "l4_dport", bytes(dport, 2));
  }

  @Test
  void pingAndNattedUdpCrossTheSwitch() throws Exception {
    List<DatagramChannel> sockets = new ArrayList<>();
    try (Session s = session(ELECTION.incrementAndGet())) {
      s.write(List.of(
          entity(flow(1, 1, "10.77.1.2", "10.77.2.2", 0, 0, "forward_flow_v4", fwd(2, ROUTER_B, MAC_B))),
          entity(flow(2, 1, "10.77.2.2", "10.77.1.2", 0, 0, "forward_flow_v4", fwd(1, ROUTER_A, MAC_A))),
          entity(flow(1, 17, "10.77.1.2", "10.77.2.2", 5000, 6000, "nat_flow_v4",
              nat(2, ROUTER_B, MAC_B, "10.77.2.1", "10.77.2.2", 7000, 6000))),
          entity(flow(2, 17, "10.77.2.2", "10.77.2.1", 6000, 7000, "nat_flow_v4",
              nat(1, ROUTER_A, MAC_A, "10.77.2.2", "10.77.1.2", 6000, 5000)))));

      run("ip", "netns", "exec", NS_A, "ping", "-c", "2", "-W", "3", "10.77.2.2");

      DatagramChannel b = NetworkNamespace.named(NS_B).call(() -> DatagramChannel.open(StandardProtocolFamily.INET)
          .bind(new InetSocketAddress("10.77.2.2", 6000)));
      sockets.add(b);
      DatagramChannel a = NetworkNamespace.named(NS_A).call(() -> DatagramChannel.open(StandardProtocolFamily.INET)
          .bind(new InetSocketAddress("10.77.1.2", 5000)));
      sockets.add(a);
      a.send(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)), new InetSocketAddress("10.77.2.2", 6000));
      ByteBuffer buf = ByteBuffer.allocate(100);
      InetSocketAddress from = receive(b, buf);
      assertEquals(new InetSocketAddress("10.77.2.1", 7000), from, "B sees A's address and port translated");
      assertEquals("hello", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
      b.send(ByteBuffer.wrap("world".getBytes(StandardCharsets.UTF_8)), from);
      buf.clear();
      InetSocketAddress replyFrom = receive(a, buf);
      assertEquals(new InetSocketAddress("10.77.2.2", 6000), replyFrom, "the reply is translated back");
      assertEquals("world", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));

      List<Long> packets = s.read(TableEntry.newBuilder().setTableId(tableId("flow_v4"))
          .setCounterData(CounterData.getDefaultInstance()).build()).stream()
          .map(e -> e.getCounterData().getPacketCount()).toList();
      assertEquals(4, packets.size());
      assertTrue(packets.get(0) >= 2 && packets.get(1) >= 2, "pings counted: " + packets);
      assertEquals(List.of(1L, 1L), packets.subList(2, 4), "one datagram each way");
    } finally {
      for (DatagramChannel c : sockets) {
        c.close();
      }
    }
  }

  private static InetSocketAddress receive(DatagramChannel c, ByteBuffer buf) throws IOException {
    c.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      c.register(selector, SelectionKey.OP_READ);
      if (selector.select(10_000) == 0) {
        throw new AssertionError("no datagram within 10 s");
      }
      return (InetSocketAddress) c.receive(buf);
    }
  }
}
