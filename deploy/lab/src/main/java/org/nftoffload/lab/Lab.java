package org.nftoffload.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Guice;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.nftoffload.agent.Agent;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.config.ConfigLoader;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.linux.NetworkNamespace;
import org.nftoffload.linux.conntrack.Conntrack;
import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.packetio.PacketRelay;
import org.nftoffload.service.Controller;
import org.nftoffload.service.ControllerModule;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;

/**
 * The namespace lab: builds h1 — software switch — h2 with the Linux slow path behind the switch's CPU port
 * (the agent's representor TAPs, nftables with masquerade and a ct mark rule, conntrack, routing) and the
 * controller on loopback; runs a bulk TCP transfer, a masqueraded TCP connection, masqueraded UDP and an idle
 * long-lived connection; prints per connection the packets the kernel saw (conntrack accounting of the slow-path
 * namespace) and the packets the switch forwarded (flow entry counters over the controller's REST API), before and
 * after offload; tears everything down and checks nothing is left. {@code deploy/lab/run} runs it.
 */
public final class Lab {

  static final String TABLE = "inet lab";
  static final int BULK_PORT = 5001;
  static final int NAT_PORT = 5002;
  static final int UDP_PORT = 5003;
  static final int QUIET_PORT = 5004;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What to run. */
  public record Settings(long bulkBytes, int natMessages, int udpDatagrams, int quietSeconds, int conntrackTimeout,
      Duration activityInterval) {
    public Settings {
      if (bulkBytes <= 0 || natMessages <= 0 || udpDatagrams <= 0 || quietSeconds <= 0 || conntrackTimeout <= 0) {
        throw new IllegalArgumentException("lab settings must be positive");
      }
    }

    /** The demo: 64 MiB bulk, an idle connection kept open three conntrack timeouts long. */
    public static Settings demo() {
      return new Settings(64L << 20, 200, 200, 12, 4, Duration.ofMillis(500));
    }
  }

  /** One connection's numbers: kernel packets up to offload and after it, switch packets, and what was checked. */
  public record Connection(String name, String tuple, long kernelBeforeOffload, long kernelAfterOffload,
      long switchPackets, String result, boolean ok) {
    /** Share of the packets after offload that the kernel saw. */
    public double kernelShareAfterOffload() {
      long total = kernelAfterOffload + switchPackets;
      return total == 0 ? 0 : (double) kernelAfterOffload / total;
    }
  }

  /** Everything the lab measured. */
  public record Report(List<Connection> connections, boolean bulkIntact, String natPeer, String udpPeer,
      long quietConntrackIdBefore, long quietConntrackIdAfter, boolean quietAnswered, String relay, String ruleset,
      List<String> leftoverNamespaces, long leftoverProcesses, Duration elapsed) {
    public Optional<Connection> connection(String name) {
      return connections.stream().filter(c -> c.name().equals(name)).findFirst();
    }
  }

  private final Settings settings;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int apiPort;

  public Lab(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Settings s = Settings.demo();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bulk-mib" -> s = new Settings(Long.parseLong(args[++i]) << 20, s.natMessages(), s.udpDatagrams(),
            s.quietSeconds(), s.conntrackTimeout(), s.activityInterval());
        case "--idle-seconds" -> s = new Settings(s.bulkBytes(), s.natMessages(), s.udpDatagrams(),
            Integer.parseInt(args[++i]), s.conntrackTimeout(), s.activityInterval());
        case "--conntrack-timeout" -> s = new Settings(s.bulkBytes(), s.natMessages(), s.udpDatagrams(),
            s.quietSeconds(), Integer.parseInt(args[++i]), s.activityInterval());
        case "-h", "--help" -> {
          System.out.println("usage: deploy/lab/run [--bulk-mib N] [--idle-seconds N] [--conntrack-timeout N]");
          return;
        }
        default -> {
          System.err.println("unknown option " + args[i] + " (try --help)");
          System.exit(2);
        }
      }
    }
    Report r = new Lab(s, System.out).run();
    boolean ok = r.connections().stream().allMatch(Connection::ok) && r.leftoverNamespaces().isEmpty();
    System.exit(ok ? 0 : 1);
  }

  /** Builds the lab, runs the traffic, tears down; the report also lists anything teardown left behind. */
  public Report run() throws Exception {
    long started = System.nanoTime();
    Topology topo = new Topology();
    List<Connection> connections = new ArrayList<>();
    String ruleset = "";
    boolean bulkIntact = false;
    String natPeer = "";
    String udpPeer = "";
    long quietBefore = -1;
    long quietAfter = -2;
    boolean quietAnswered = false;
    out.printf("lab %s: namespaces %s, %s (hosts), %s (switch ports), %s (slow path)%n", topo.prefix, topo.h1,
        topo.h2, topo.sw, topo.slow);
    SoftSwitch sw = null;
    PacketRelay relay = null;
    String relayed = "";
    Controller controller = null;
    Agent agent = null;
    Traffic traffic = new Traffic();
    // Ctrl-C during a run: the namespaces (and with them veths and routes) must still go away
    Thread cleanup = new Thread(topo::close, "lab-teardown");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      topo.build();
      sw = SoftSwitch.start(new SoftSwitchConfig("127.0.0.1:0", Long.valueOf(1), Integer.valueOf(50), null, List.of(
          new SoftSwitchConfig.PortConfig(1, "p1", topo.sw), new SoftSwitchConfig.PortConfig(2, "p2", topo.sw))),
          Clock.systemUTC(), List.of());
      out.printf("software switch: P4Runtime 127.0.0.1:%d, port 1 = %s/p1, port 2 = %s/p2, CPU port 255%n",
          sw.address().getPort(), topo.sw, topo.sw);
      ControllerConfig config = new ConfigLoader().parse("lab", controllerConfig(sw.address().getPort()));
      com.google.inject.Injector injector = Guice.createInjector(new ControllerModule(config));
      relay = injector.getInstance(PacketRelay.class);
      controller = injector.getInstance(Controller.class);
      Controller.Listening l = controller.start();
      apiPort = l.api().getPort();
      Controller c = controller;
      await("the controller to be primary on the switch", 15, () -> c.ready() ? true : null);
      out.printf("controller: REST http://127.0.0.1:%d/api/v1, agents 127.0.0.1:%d%n", apiPort, l.agents().getPort());
      agent = Agent.start(agentConfig(topo, l.agents().getPort()), Clock.systemUTC());
      out.printf("agent: watching %s, representors %s (port 1), %s (port 2)%n", topo.slow, Topology.REP1,
          Topology.REP2);
      topo.slowPath(ruleset(), settings.conntrackTimeout());
      await("the agent to connect", 15, () -> get("/api/v1/agents").path("agents").size() > 0 ? true : null);
      traffic.tcpServer(topo.h2, Topology.H2_IP, BULK_PORT);
      traffic.tcpServer(topo.h2, Topology.H2_IP, NAT_PORT);
      traffic.tcpServer(topo.h2, Topology.H2_IP, QUIET_PORT);
      traffic.udpServer(topo.h2, Topology.H2_IP, UDP_PORT);
      out.println();

      // 1. bulk TCP, no NAT
      try (Traffic.TcpClient bulk = traffic.new TcpClient(topo.h1, Topology.H2_IP, BULK_PORT)) {
        Traffic.Answer first = bulk.send(1024, 1);
        Offloaded o = awaitOffloaded(topo, 6, bulk.localPort(), BULK_PORT);
        Traffic.Answer a = bulk.send(settings.bulkBytes(), 2);
        bulkIntact = first.intact() && a.intact();
        long switched = settledSwitchPackets(6, bulk.localPort(), BULK_PORT);
        closeAndAwaitFin(topo, bulk);
        connections.add(measure(topo, "bulk tcp", 6, bulk.localPort(), BULK_PORT, o, switched,
            (settings.bulkBytes() >> 20) + " MiB, sha-256 " + (bulkIntact ? "ok" : "MISMATCH"), bulkIntact));
      }
      // 2. masqueraded TCP
      try (Traffic.TcpClient nat = traffic.new TcpClient(topo.h1, Topology.H2_IP, NAT_PORT)) {
        Traffic.Answer first = nat.send(100, 3);
        natPeer = first.peer();
        Offloaded o = awaitOffloaded(topo, 6, nat.localPort(), NAT_PORT);
        boolean intact = first.intact();
        for (int i = 0; i < settings.natMessages(); i++) {
          intact &= nat.send(1400, 100 + i).intact();
        }
        boolean ok = intact && natPeer.startsWith(Topology.GW2_IP + ":");
        long switched = settledSwitchPackets(6, nat.localPort(), NAT_PORT);
        closeAndAwaitFin(topo, nat);
        connections.add(measure(topo, "nat tcp", 6, nat.localPort(), NAT_PORT, o, switched,
            "h2 saw " + natPeer + ", " + settings.natMessages() + " messages " + (intact ? "ok" : "CORRUPT"), ok));
      }
      // 3. masqueraded UDP
      try (Traffic.UdpClient udp = traffic.new UdpClient(topo.h1, Topology.H2_IP, UDP_PORT)) {
        Traffic.Answer first = udp.exchange(new byte[] {1, 2, 3});
        udpPeer = first == null ? "" : first.peer();
        Offloaded o = awaitOffloaded(topo, 17, udp.localPort(), UDP_PORT);
        int answered = 0;
        byte[] payload = new byte[1000];
        for (int i = 0; i < settings.udpDatagrams(); i++) {
          payload[0] = (byte) i;
          Traffic.Answer a = udp.exchange(payload);
          answered += a != null && a.intact() ? 1 : 0;
        }
        boolean ok = udpPeer.startsWith(Topology.GW2_IP + ":") && answered >= settings.udpDatagrams() * 95 / 100;
        connections.add(measure(topo, "nat udp", 17, udp.localPort(), UDP_PORT, o,
            settledSwitchPackets(17, udp.localPort(), UDP_PORT),
            "h2 saw " + udpPeer + ", " + answered + "/" + settings.udpDatagrams() + " answered", ok));
      }
      // 4. an idle connection that outlives the conntrack timeout: the application sends nothing, only TCP
      // keepalives (every second) cross the switch, so the kernel sees no packet of it; the controller's flow
      // activity from the switch's counters is what keeps its conntrack entry (and its masquerade mapping) alive
      try (Traffic.TcpClient idle = traffic.new TcpClient(topo.h1, Topology.H2_IP, QUIET_PORT)) {
        quietAnswered = idle.send(10, 7).intact();
        Offloaded o = awaitOffloaded(topo, 6, idle.localPort(), QUIET_PORT);
        quietBefore = o.conntrackId();
        idle.keepalive(1);
        Thread.sleep(Duration.ofSeconds(settings.quietSeconds())); // the idle period itself, not a wait for a condition
        Optional<ConntrackEntry> e = conntrack(topo, 6, idle.localPort(), QUIET_PORT);
        quietAfter = e.map(ConntrackEntry::id).orElse(-1L);
        String failure = "FAILED";
        try {
          quietAnswered &= idle.send(10, 8).intact();
        } catch (java.io.IOException ex) {
          // what a lost conntrack entry does to a masqueraded connection: the next packet is reset or lost
          quietAnswered = false;
          failure = "FAILED (" + ex.getMessage() + ")";
        }
        boolean ok = quietAnswered && quietAfter == quietBefore;
        long switched = settledSwitchPackets(6, idle.localPort(), QUIET_PORT);
        closeAndAwaitFin(topo, idle);
        connections.add(measure(topo, "idle tcp", 6, idle.localPort(), QUIET_PORT, o, switched,
            "idle " + settings.quietSeconds() + " s with keepalives (conntrack timeout " + settings.conntrackTimeout()
                + " s), " + (quietAfter == quietBefore ? "same conntrack entry" : "conntrack entry LOST")
                + ", answers after it: " + (quietAnswered ? "ok" : failure), ok));
      }
      ruleset = topo.listRuleset(TABLE);
      long[] n = relay.counts();
      relayed = "slow path through the CPU port: " + n[0] + " packet_in relayed to the agent's representors, " + n[2]
          + " packet_out from them (" + n[1] + " packet_in and " + n[3] + " packet_out dropped)";
    } finally {
      traffic.close();
      if (agent != null) {
        agent.close();
      }
      if (controller != null) {
        controller.close();
      }
      if (sw != null) {
        sw.close();
      }
      topo.close();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or ran: nothing left to remove
      }
    }
    List<String> leftovers = topo.leftovers();
    long processes = ProcessHandle.current().children().filter(ProcessHandle::isAlive).count();
    Report report = new Report(connections, bulkIntact, natPeer, udpPeer, quietBefore, quietAfter, quietAnswered,
        relayed, ruleset, leftovers, processes, Duration.ofNanos(System.nanoTime() - started));
    print(report);
    return report;
  }

  private void print(Report r) {
    out.println();
    out.printf("%-10s %-42s %14s %14s %12s %8s  %s%n", "connection", "tuple (h1 side)", "kernel before", "kernel after",
        "switch", "kernel %", "check");
    out.printf("%-10s %-42s %14s %14s %12s %8s  %s%n", "", "", "offload", "offload", "forwarded", "after", "");
    for (Connection c : r.connections()) {
      out.printf("%-10s %-42s %14d %14d %12d %7.2f%%  %s%s%n", c.name(), c.tuple(), c.kernelBeforeOffload(),
          c.kernelAfterOffload(), c.switchPackets(), 100 * c.kernelShareAfterOffload(), c.ok() ? "" : "FAIL: ",
          c.result());
    }
    out.println();
    out.println("kernel before / after offload: packets of the connection the slow-path kernel saw (conntrack");
    out.println("accounting, both directions) until the switch had its flow entries, and from then on (TCP: up to");
    out.println("and with the closing FIN handshake, which the switch always punts); switch forwarded: packets");
    out.println("the flow entries' counters saw (controller REST, both directions).");
    if (!r.relay().isBlank()) {
      out.println(r.relay());
    }
    if (!r.ruleset().isBlank()) {
      out.println();
      out.println("slow-path ruleset with its counters (nft list table " + TABLE + "):");
      out.print(r.ruleset().indent(2));
    }
    out.println();
    out.printf("teardown: %s namespaces left, %d child processes left; %.1f s in all%n",
        r.leftoverNamespaces().isEmpty() ? "no" : r.leftoverNamespaces().toString(), r.leftoverProcesses(),
        r.elapsed().toMillis() / 1000.0);
  }

  private record Offloaded(long conntrackId, long kernelPackets, long switchPackets) {}

  /** Waits until the controller shows the flow OFFLOADED; returns the kernel's and the switch's counts then. */
  private Offloaded awaitOffloaded(Topology topo, int protocol, int sport, int dport) throws Exception {
    JsonNode flow = await("flow " + sport + " → " + dport + " offloaded", 15, () -> {
      JsonNode f = flow(protocol, sport, dport);
      return f != null && "OFFLOADED".equals(f.path("state").asText()) ? f : null;
    });
    ConntrackEntry e = conntrack(topo, protocol, sport, dport).orElseThrow(
        () -> new IllegalStateException("offloaded flow " + sport + " → " + dport + " has no conntrack entry"));
    return new Offloaded(e.id(), packets(e), flow.path("counters").path("packets").asLong());
  }

  /**
   * Closes a TCP client and waits (bounded) until the slow path has seen both FINs: the closing handshake is
   * punted to the kernel, which is how it learns the connection ended (its conntrack entry stays in TIME_WAIT,
   * with its counters, for a while).
   */
  private static void closeAndAwaitFin(Topology topo, Traffic.TcpClient client) throws Exception {
    int sport = client.localPort();
    int dport = client.socket.getPort();
    client.close();
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < end) {
      Optional<ConntrackEntry> e = conntrack(topo, 6, sport, dport);
      if (e.isEmpty() || e.get().tcpState().map(s -> s.name().equals("TIME_WAIT") || s.name().equals("CLOSE"))
          .orElse(false)) {
        return;
      }
      Thread.sleep(50);
    }
  }

  private Connection measure(Topology topo, String name, int protocol, int sport, int dport, Offloaded at,
      long switchPackets, String result, boolean ok) throws Exception {
    long kernel = conntrack(topo, protocol, sport, dport).map(Lab::packets).orElse(at.kernelPackets());
    String tuple = (protocol == 6 ? "tcp " : "udp ") + Topology.H1_IP + ":" + sport + " -> " + Topology.H2_IP + ":"
        + dport;
    return new Connection(name, tuple, at.kernelPackets(), kernel - at.kernelPackets(), switchPackets, result, ok);
  }

  /** The flow's switch packet count once it stopped moving (the controller reads counters every interval). */
  private long settledSwitchPackets(int protocol, int sport, int dport) throws Exception {
    long interval = settings.activityInterval().toMillis();
    long last = -1;
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      JsonNode f = flow(protocol, sport, dport);
      long now = f == null ? 0 : f.path("counters").path("packets").asLong();
      if (now == last && now > 0) {
        return now;
      }
      last = now;
      Thread.sleep(2 * interval + 100); // one counter read of the controller in between
    }
    return last;
  }

  private JsonNode flow(int protocol, int sport, int dport) throws Exception {
    for (JsonNode f : get("/api/v1/flows?limit=10000").path("flows")) {
      JsonNode o = f.path("original");
      if (o.path("protocol").asInt() == protocol && o.path("sourcePort").asInt() == sport
          && o.path("destinationPort").asInt() == dport && Topology.H1_IP.equals(o.path("source").asText())) {
        return f;
      }
    }
    return null;
  }

  private static long packets(ConntrackEntry e) {
    return e.originalCounters().packets() + e.replyCounters().packets();
  }

  /** The slow-path conntrack entry of h1:sport → h2:dport, read over ctnetlink in that namespace. */
  private static Optional<ConntrackEntry> conntrack(Topology topo, int protocol, int sport, int dport) throws Exception {
    AtomicReference<ConntrackEntry> found = new AtomicReference<>();
    try (Conntrack ct = NetworkNamespace.named(topo.slow).call(Conntrack::open)) {
      ct.dump(ev -> {
        var t = ev.entry().original();
        if (t.protocol() == protocol && t.sourcePort() == sport && t.destinationPort() == dport
            && t.source().getHostAddress().equals(Topology.H1_IP)) {
          found.set(ev.entry());
        }
      });
    }
    return Optional.ofNullable(found.get());
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static <T> T await(String what, int seconds, Callable<T> check) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
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
      Thread.sleep(50);
    }
    throw new IllegalStateException("not within " + seconds + " s: " + what, last);
  }

  private String controllerConfig(int switchPort) {
    return """
        controller_id: lab
        api: {host: 127.0.0.1, port: 0}
        agents: {host: 127.0.0.1, port: 0}
        devices:
          - {name: sw0, driver: softswitch, host: 127.0.0.1, port: %d, device_id: 1, ports: {p1: 1, p2: 2}}
        interfaces:
          sw0p1: {device: sw0, port: p1}
          sw0p2: {device: sw0, port: p2}
        flows: {activity_interval: %dms, idle_timeout: 30s}
        ruleset: {file: none}
        """.formatted(switchPort, settings.activityInterval().toMillis());
  }

  private AgentConfig agentConfig(Topology topo, int agentPort) {
    return new AgentConfig(new AgentConfig.Agent("lab-slowpath", topo.slow, ""),
        new AgentConfig.Controller("127.0.0.1:" + agentPort, 100, 1000, 1000),
        new AgentConfig.Selection(AgentConfig.Mode.MARK_BIT, 1L),
        // each refresh gives the flow one more conntrack timeout: it lives exactly as long as it carries traffic
        new AgentConfig.Conntrack(null, settings.conntrackTimeout()),
        new AgentConfig.Queue(null),
        List.of(new AgentConfig.Representor("sw0", 1, Topology.REP1),
            new AgentConfig.Representor("sw0", 2, Topology.REP2)));
  }

  /** The slow path's nftables: count per service, mark established connections for offload, masquerade. */
  static String ruleset() {
    return """
        table inet lab {
          chain forward {
            type filter hook forward priority filter; policy accept;
            tcp dport 5001 counter comment "bulk"
            tcp dport 5002 counter comment "nat tcp"
            udp dport 5003 counter comment "nat udp"
            tcp dport 5004 counter comment "idle tcp"
            ct state established ct mark set ct mark or 0x1 comment "offload: the agent selects ct mark 0x1"
          }
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            oifname "sw0p2" tcp dport { 5002, 5004 } masquerade
            oifname "sw0p2" udp dport 5003 masquerade
          }
        }
        """;
  }
}
