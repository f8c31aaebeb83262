package org.nftoffload.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the namespace lab briefly — real namespaces, veths, the software switch on AF_PACKET ports, the kernel slow
 * path behind representor TAPs, agent and controller — and checks what it is there to show: once offloaded, the
 * kernel sees at most 1% of a bulk connection's packets; every byte arrives (SHA-256); masquerade works through the
 * switch for TCP and UDP; a connection carrying traffic only in the switch outlives the conntrack timeout (the
 * controller's flow activity refreshes it); and teardown leaves no namespace or process behind.
 */
class LabTest {

  @Test
  void theLabShowsOffloadAndCleansUp() throws Exception {
    requirePrerequisites();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    // 16 MiB: > 11,000 data segments; idle (keepalives only) for more than 2 conntrack timeouts of 3 s
    Lab.Settings settings = new Lab.Settings(16L << 20, 50, 50, 7, 3, Duration.ofMillis(300));
    Lab.Report r = new Lab(settings, new PrintStream(text, true, StandardCharsets.UTF_8)).run();
    String shown = text.toString(StandardCharsets.UTF_8);
    System.out.println(shown);

    Lab.Connection bulk = r.connection("bulk tcp").orElseThrow(() -> new AssertionError("no bulk result\n" + shown));
    assertTrue(r.bulkIntact(), "every byte of the bulk transfer arrived intact\n" + shown);
    assertTrue(bulk.switchPackets() > 10_000, "the switch forwarded the bulk connection\n" + shown);
    assertTrue(bulk.kernelShareAfterOffload() <= 0.01,
        "after offload the kernel saw at most 1% of the bulk connection's packets\n" + shown);

    assertTrue(r.natPeer().startsWith(Topology.GW2_IP + ":"), "h2 saw the masquerade address over TCP\n" + shown);
    assertTrue(r.udpPeer().startsWith(Topology.GW2_IP + ":"), "h2 saw the masquerade address over UDP\n" + shown);
    Lab.Connection nat = r.connection("nat tcp").orElseThrow();
    assertTrue(nat.ok() && nat.switchPackets() > nat.kernelAfterOffload(), "NAT TCP forwarded by the switch\n" + shown);
    Lab.Connection udp = r.connection("nat udp").orElseThrow();
    assertTrue(udp.ok() && udp.switchPackets() > 0, "NAT UDP forwarded by the switch\n" + shown);

    assertTrue(r.quietAnswered(), "the idle connection answered after its idle period\n" + shown);
    assertEquals(r.quietConntrackIdBefore(), r.quietConntrackIdAfter(),
        "the idle connection kept its conntrack entry past the timeout\n" + shown);

    assertEquals(List.of(), r.leftoverNamespaces(), "teardown deleted every namespace\n" + shown);
    assertEquals(0, r.leftoverProcesses(), "teardown left no child process\n" + shown);
    assertTrue(r.elapsed().toSeconds() < 90, "the lab ran briefly: " + r.elapsed());
  }

  private static void requirePrerequisites() {
    List<String> missing = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      missing.add("root");
    }
    for (String tool : List.of("ip", "nft", "sysctl")) {
      boolean found = false;
      for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
        found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool));
      }
      if (!found) {
        missing.add("the '" + tool + "' command");
      }
    }
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      missing.add("/dev/net/tun");
    }
    if (!missing.isEmpty()) {
      String message = "the namespace lab needs " + String.join(", ", missing);
      if (System.getenv("CI") != null) {
        fail(message);
      }
      Assumptions.abort(message);
    }
  }
}
