package org.nftoffload.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.Agent;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.flow.FlowManager;
import org.nftoffload.linux.TestNamespace;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.port.InMemoryPort;

/**
 * The whole system against the real kernel: h1 — router — h2 namespaces ({@link KernelLab}) with nftables and
 * conntrack in the router, the real kernel agent watching the router's conntrack and connected over gRPC to the
 * controller's agent endpoint, and a software switch whose ports 1 and 2 stand for the router's r1 and r2 (config
 * {@code interfaces}). Frames are injected into the switch's in-memory ports; the kernel connection itself runs
 * through the namespaces. Every step is checked over the REST API and by reading the switch's tables.
 */
class EndToEndKernelTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "e2e-agent-token";
  private static KernelLab lab;

  @BeforeAll
  static void lab() throws Exception {
    TestNamespace.requireKernelTestPrerequisites();
    lab = new KernelLab();
  }

  @AfterAll
  static void closeLab() {
    if (lab != null) {
      lab.close();
    }
  }

  /** Controller config: one device sw0 (embedded, or a standalone switch at {@code switchPort}), r1/r2 on it. */
  private static String config(String device, int agentPort, String grace) {
    return """
        api: {port: 0, tokens: [{name: ops, token: admin-token, role: admin}, {name: view, token: read-token, role: read_only}]}
        agents: {port: %d, allowed: [{id: router, token: %s}]}
        devices: [%s]
        interfaces:
          r1: {device: sw0, port: r1}
          r2: {device: sw0, port: r2}
        flows: {resync_grace: %s, activity_interval: 1h}
        ruleset: {file: none}
        """.formatted(agentPort, TOKEN, device, grace);
  }

  private static Agent agent(int controllerPort) throws Exception {
    AgentConfig config = new AgentConfig(
        new AgentConfig.Agent("router", lab.router.name(), TOKEN),
        new AgentConfig.Controller("127.0.0.1:" + controllerPort, 50, 300, 100),
        new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L),
        new AgentConfig.Conntrack(4 << 20, 300),
        new AgentConfig.Queue(1024));
    return Agent.start(config, Clock.systemUTC());
  }

  private static JsonNode get(TestController c, String path) throws Exception {
    HttpResponse<String> r = c.get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  /** Polls {@code check} until it returns non-null; fails with {@code what} after {@code seconds}. */
  private static <T> T await(String what, int seconds, Callable<T> check) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Exception last = null;
    while (System.nanoTime() < end) {
      try {
        T v = check.call();
        if (v != null) {
          return v;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("not within " + seconds + " s: " + what, last);
  }

  /** The REST view of the flow h1:sport → h2:6000 once it is OFFLOADED. */
  private static JsonNode offloaded(TestController c, int sport) throws Exception {
    return await("flow from h1 port " + sport + " offloaded", 15, () -> {
      for (JsonNode f : get(c, "/api/v1/flows?agent=router&state=offloaded").get("flows")) {
        if (f.get("original").get("sourcePort").asInt() == sport) {
          return f;
        }
      }
      return null;
    });
  }

  private static int restFlowEntries(TestController c) throws Exception {
    int n = 0;
    for (JsonNode t : get(c, "/api/v1/devices/sw0").get("tables")) {
      if (t.get("table").asText().contains(".flow_v")) {
        n += t.get("entries").asInt();
      }
    }
    return n;
  }

  private static int switchFlowEntries(SoftSwitch sw) {
    return sw.device().locked(() -> sw.device().pipeline().store().size(TableKind.FLOW_V4)
        + sw.device().pipeline().store().size(TableKind.FLOW_V6));
  }

  /** The frames of one offloaded, masqueraded connection in both directions, as seen on the switch's ports. */
  private record Connection(int sport, int natPort) {
    TcpFrame fromH1(String payload) {
      return TcpFrame.ack(KernelLab.H1_MAC, KernelLab.R1_MAC, "10.1.1.2", sport, "10.1.2.2", KernelLab.ECHO_PORT,
          payload);
    }

    TcpFrame fromH2(String payload) {
      return TcpFrame.ack(KernelLab.H2_MAC, KernelLab.R2_MAC, "10.1.2.2", KernelLab.ECHO_PORT, "10.1.2.1", natPort,
          payload);
    }

    /** The original direction after the switch: r2's MAC towards h2, source masqueraded to the router's r2. */
    void checkToH2(byte[] frame, String payload) {
      assertNotNull(frame, "nothing left port 2 for " + this);
      TcpFrame f = TcpFrame.parse(frame);
      assertEquals(new TcpFrame(KernelLab.H2_MAC, KernelLab.R2_MAC, "10.1.2.1", "10.1.2.2", 63, natPort,
          KernelLab.ECHO_PORT, TcpFrame.ACK, null).withoutPayload(), f.withoutPayload());
      assertEquals(payload, new String(f.payload()));
      assertTrue(TcpFrame.checksumsHold(frame), "IPv4 and TCP checksums recomputed after NAT");
    }

    /** The reply after the switch: r1's MAC towards h1, destination translated back to h1's address and port. */
    void checkToH1(byte[] frame, String payload) {
      assertNotNull(frame, "nothing left port 1 for " + this);
      TcpFrame f = TcpFrame.parse(frame);
      assertEquals(new TcpFrame(KernelLab.H1_MAC, KernelLab.R1_MAC, "10.1.2.2", "10.1.1.2", 63, KernelLab.ECHO_PORT,
          sport, TcpFrame.ACK, null).withoutPayload(), f.withoutPayload());
      assertEquals(payload, new String(f.payload()));
      assertTrue(TcpFrame.checksumsHold(frame), "IPv4 and TCP checksums recomputed after NAT");
    }
  }

  /** Checks the REST view of a connection's flow and returns its frames. */
  private static Connection connection(JsonNode flow, int sport) {
    assertEquals("sw0", flow.get("device").asText());
    assertTrue(flow.get("nat").asBoolean(), flow.toString());
    JsonNode o = flow.get("original");
    assertEquals("10.1.1.2", o.get("source").asText());
    assertEquals("10.1.2.2", o.get("destination").asText());
    assertEquals(sport, o.get("sourcePort").asInt());
    assertEquals("r1", o.get("ingress").asText());
    assertEquals("r2", o.get("egress").asText());
    assertEquals(KernelLab.R2_MAC, o.get("sourceMac").asText());
    assertEquals(KernelLab.H2_MAC, o.get("destinationMac").asText());
    JsonNode r = flow.get("reply");
    assertEquals("10.1.2.2", r.get("source").asText());
    assertEquals("10.1.2.1", r.get("destination").asText(), "masqueraded to the router's r2 address");
    assertEquals("r2", r.get("ingress").asText());
    assertEquals("r1", r.get("egress").asText());
    return new Connection(sport, r.get("destinationPort").asInt());
  }

  @Test
  void connectionThroughTheRouterBecomesTwoEntriesForwardsWithMacAndNatRewritesAndFinRemovesBoth() throws Exception {
    InMemoryPort p1 = new InMemoryPort(1);
    InMemoryPort p2 = new InMemoryPort(2);
    String device = "{name: sw0, embedded: true, port: 0, ports: {r1: 1, r2: 2}}";
    try (TestController c = new TestController(config(device, 0, "2s"), d -> List.of(p1, p2));
        Agent agent = agent(c.listening.agents().getPort())) {
      SoftSwitch sw = c.injector.getInstance(EmbeddedSwitches.class).running().get("sw0");
      await("agent connected", 10, () -> c.get("/api/v1/agents/router").statusCode() == 200 ? true : null);
      assertEquals(0, get(c, "/api/v1/flows").get("total").asInt());
      assertEquals(0, restFlowEntries(c));

      Socket s = lab.connect();
      int sport = s.getLocalPort();
      JsonNode listed = offloaded(c, sport);
      assertEquals(1, get(c, "/api/v1/flows?agent=router").get("total").asInt());
      JsonNode flow = get(c, "/api/v1/flows/" + listed.get("id").asLong());
      assertEquals("OFFLOADED", flow.get("state").asText());
      Connection conn = connection(flow, sport);
      assertEquals(2, restFlowEntries(c), "device occupancy over REST: one entry per direction");
      assertEquals(2, switchFlowEntries(sw), "the switch holds one entry per direction");

      p1.inject(conn.fromH1("to-h2").bytes());
      conn.checkToH2(p2.poll(Duration.ofSeconds(5)), "to-h2");
      p2.inject(conn.fromH2("to-h1").bytes());
      conn.checkToH1(p1.poll(Duration.ofSeconds(5)), "to-h1");
      assertEquals(null, p1.poll(), "each frame leaves once");
      assertEquals(null, p2.poll(), "each frame leaves once");

      // the direct counters reach the REST view of the flow
      c.injector.getInstance(FlowManager.class).pollActivity().get(10, TimeUnit.SECONDS);
      JsonNode counted = get(c, "/api/v1/flows/" + listed.get("id").asLong());
      assertEquals(2, counted.get("counters").get("packets").asLong(), counted.toString());

      KernelLab.finish(s);
      await("flow removed after FIN", 15, () -> get(c, "/api/v1/flows").get("total").asInt() == 0 ? true : null);
      assertEquals(404, c.get("/api/v1/flows/" + listed.get("id").asLong()).statusCode());
      await("both entries deleted from the switch", 10, () -> switchFlowEntries(sw) == 0 ? true : null);
      assertEquals(0, restFlowEntries(c));
      assertTrue(get(c, "/api/v1/agents/router").get("flowDeletes").asInt() >= 1);
    }
  }

  /**
   * Frames of one connection injected back to back while the controller stops and starts: counts the frames that
   * crossed correctly and remembers the first that did not.
   */
  private static final class Traffic implements AutoCloseable {
    final AtomicLong crossed = new AtomicLong();
    final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Traffic(Connection conn, InMemoryPort p1, InMemoryPort p2) {
      thread = Thread.ofPlatform().daemon().name("e2e-traffic").start(() -> {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (long i = 0; running.get() && System.nanoTime() < end; i++) {
          try {
            String payload = "n" + i;
            p1.inject(conn.fromH1(payload).bytes());
            conn.checkToH2(p2.poll(Duration.ofSeconds(1)), payload);
            p2.inject(conn.fromH2(payload).bytes());
            conn.checkToH1(p1.poll(Duration.ofSeconds(1)), payload);
            crossed.incrementAndGet();
            Thread.sleep(2);
          } catch (InterruptedException e) {
            return;
          } catch (Throwable t) {
            failure.compareAndSet(null, "frame " + i + ": " + t);
          }
        }
      });
    }

    void awaitMore(long frames) throws Exception {
      long target = crossed.get() + frames;
      await(frames + " more frames across", 10, () -> crossed.get() >= target ? true : null);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(5000);
    }
  }

  @Test
  void restartUnderTrafficKeepsForwardingRebuildsFromReadBackAndResyncAndRemovesOnlyUnclaimedEntries()
      throws Exception {
    InMemoryPort p1 = new InMemoryPort(1);
    InMemoryPort p2 = new InMemoryPort(2);
    // standalone switch: it must outlive the controller
    try (SoftSwitch sw = SoftSwitch.start(new SoftSwitchConfig("127.0.0.1:0", 1L, 50, Map.of(), List.of()),
        Clock.systemUTC(), List.of(p1, p2))) {
      String device = "{name: sw0, host: 127.0.0.1, port: " + sw.address().getPort() + ", ports: {r1: 1, r2: 2}}";
      TestController first = new TestController(config(device, 0, "8s"), EmbeddedSwitches.PortSource.NONE);
      int agentPort = first.listening.agents().getPort();
      List<AutoCloseable> open = new ArrayList<>();
      TestController second = null;
      try (Agent agent = agent(agentPort)) {
        await("agent connected", 10, () -> first.get("/api/v1/agents/router").statusCode() == 200 ? true : null);
        Socket kept = lab.connect();
        open.add(kept);
        Socket ended = lab.connect();
        open.add(ended);
        Connection a = connection(offloaded(first, kept.getLocalPort()), kept.getLocalPort());
        Connection b = connection(offloaded(first, ended.getLocalPort()), ended.getLocalPort());
        assertEquals(4, switchFlowEntries(sw));

        try (Traffic traffic = new Traffic(a, p1, p2)) {
          traffic.awaitMore(20);
          first.close();
          // the controller is gone: the switch keeps forwarding on its own
          traffic.awaitMore(100);
          // connection b ends while nobody listens; its entries stay until the new controller decides
          KernelLab.finish(ended);
          traffic.awaitMore(20);
          assertEquals(4, switchFlowEntries(sw));

          second = new TestController(config(device, agentPort, "8s"), EmbeddedSwitches.PortSource.NONE);
          TestController c = second;
          // read back, not yet claimed: nothing removed before the resync grace
          assertEquals(4, switchFlowEntries(sw), "entries kept while agents may still claim them");
          JsonNode adopted = offloaded(c, a.sport());
          assertEquals(a, connection(adopted, a.sport()), "rebuilt from the agent's resync");
          traffic.awaitMore(20);
          await("the unclaimed connection's entries removed after the grace", 20,
              () -> switchFlowEntries(sw) == 2 ? true : null);
          assertEquals(0, c.injector.getInstance(FlowManager.class).orphanCount().get(5, TimeUnit.SECONDS));
          assertEquals(1, get(c, "/api/v1/flows").get("total").asInt());
          assertEquals(2, restFlowEntries(c));
          traffic.awaitMore(20);
          assertEquals(null, traffic.failure.get(), "every frame of the kept connection crossed, all along");
        }
        // the unclaimed connection no longer crosses the switch (its frames go to the CPU port); the kept one does
        p1.inject(b.fromH1("late").bytes());
        p1.inject(a.fromH1("still").bytes());
        a.checkToH2(p2.poll(Duration.ofSeconds(5)), "still");
        assertEquals(null, p2.poll(), "the unclaimed connection's frame did not cross");
        KernelLab.finish(kept);
        TestController c = second;
        await("kept connection removed after its FIN", 15,
            () -> get(c, "/api/v1/flows").get("total").asInt() == 0 ? true : null);
        await("switch empty", 10, () -> switchFlowEntries(sw) == 0 ? true : null);
      } finally {
        for (AutoCloseable s : open) {
          s.close();
        }
        first.close();
        if (second != null) {
          second.close();
        }
      }
    }
  }
}
