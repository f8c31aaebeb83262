package org.nftoffload.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.nftoffload.linux.NetworkNamespace;

/**
 * The lab's network namespaces and veths, named {@code nfl<id>-…} so several labs (and tests) never collide:
 * <pre>
 *   h1 [eth0 10.1.1.2] ── veth ── [p1] sw [p2] ── veth ── [eth0 10.1.2.2] h2
 *                                    (software switch ports 1 and 2, AF_PACKET)
 *   slow: sw0p1 10.1.1.1, sw0p2 10.1.2.1 (the agent's representor TAPs), nftables, conntrack, routing
 * </pre>
 * Commands are run with {@code ip}, {@code nft} and {@code sysctl}; their output is shown on failure, never parsed.
 * {@link #close} deletes every namespace, which takes the veths and TAP-less interfaces with it.
 */
final class Topology implements AutoCloseable {

  static final String H1_IP = "10.1.1.2";
  static final String H2_IP = "10.1.2.2";
  static final String GW1_IP = "10.1.1.1";
  static final String GW2_IP = "10.1.2.1";
  static final String REP1 = "sw0p1";
  static final String REP2 = "sw0p2";

  final String prefix;
  final String h1;
  final String h2;
  final String sw;
  final String slow;
  private final List<String> created = new ArrayList<>();

  Topology() {
    prefix = "nfl" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    h1 = prefix + "-h1";
    h2 = prefix + "-h2";
    sw = prefix + "-sw";
    slow = prefix + "-slow";
  }

  /** Creates the namespaces and the two host links; the slow path is configured later by {@link #slowPath}. */
  void build() throws Exception {
    for (String ns : List.of(h1, h2, sw, slow)) {
      run(null, "ip", "netns", "add", ns);
      created.add(ns);
      run(null, "ip", "-n", ns, "link", "set", "lo", "up");
    }
    host(h1, "p1", "02:00:00:00:01:02", H1_IP, GW1_IP);
    host(h2, "p2", "02:00:00:00:02:02", H2_IP, GW2_IP);
  }

  private void host(String ns, String switchSide, String mac, String ip, String gateway) throws Exception {
    run(null, "ip", "-n", ns, "link", "add", "eth0", "address", mac, "type", "veth", "peer", "name", switchSide,
        "netns", sw);
    run(null, "ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
    run(null, "ip", "-n", ns, "link", "set", "eth0", "up");
    run(null, "ip", "-n", ns, "route", "add", "default", "via", gateway);
    run(null, "ip", "-n", sw, "link", "set", switchSide, "up");
    NetworkNamespace.named(ns).call(() -> {
      Offloads.disable("eth0");
      return null;
    });
  }

  /**
   * Configures the slow-path namespace once the agent has created the representors: addresses, forwarding, the
   * nftables ruleset, conntrack accounting, a short established timeout, and liberal TCP window tracking (the
   * kernel does not see the segments the switch forwards, so the sequence numbers of the FIN it sees at the end
   * are far past the window it last knew; Linux's own flowtable relaxes the same check for the same reason).
   */
  void slowPath(String ruleset, int establishedTimeoutSeconds) throws Exception {
    run(null, "ip", "-n", slow, "addr", "add", GW1_IP + "/24", "dev", REP1);
    run(null, "ip", "-n", slow, "addr", "add", GW2_IP + "/24", "dev", REP2);
    run(ruleset, "ip", "netns", "exec", slow, "nft", "-f", "-");
    run(null, "ip", "netns", "exec", slow, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
        "net.netfilter.nf_conntrack_acct=1",
        "net.netfilter.nf_conntrack_tcp_timeout_established=" + establishedTimeoutSeconds,
        "net.netfilter.nf_conntrack_tcp_be_liberal=1");
  }

  /** The ruleset with its counters, as {@code nft list table} prints it (shown to the user, not parsed). */
  String listRuleset(String table) {
    try {
      return run(null, "ip", "netns", "exec", slow, "nft", "list", "table", table);
    } catch (Exception e) {
      return "(nft list failed: " + e.getMessage() + ")";
    }
  }

  /** Names of this lab's namespaces that still exist. */
  List<String> leftovers() {
    return List.of(h1, h2, sw, slow).stream().filter(ns -> Files.exists(Path.of("/var/run/netns", ns))).toList();
  }

  static String run(String stdin, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text.strip());
    }
    return text;
  }

  @Override
  public synchronized void close() {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        run(null, "ip", "netns", "delete", created.get(i));
      } catch (Exception e) {
        System.err.println("lab: could not delete namespace " + created.get(i) + ": " + e.getMessage());
      }
    }
    created.clear();
  }
}
