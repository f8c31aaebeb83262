package org.nftoffload.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.OffloadPolicy;
import org.nftoffload.p4.FlowtableP4;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * A ruleset change is one change across devices and agents: with two switches, one of which has no room for the new
 * ACL (a table size too small, so an insert gets RESOURCE_EXHAUSTED), the PUT fails with a problem document naming
 * that device, and both switches (read back over P4Runtime) and the agents keep the previous ruleset.
 */
class RulesetAcrossDevicesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** sw0 first (so it is changed, then put back), sw1 second with room for 4 ACL entries. */
  private static final String CONFIG = """
      api: {port: 0, tokens: [{name: ops, token: admin-token, role: admin}, {name: view, token: read-token, role: read_only}]}
      agents: {port: 0, allowed: [{id: h1, token: agent-token}]}
      devices:
        - {name: sw0, embedded: true, port: 0, ports: {p1: 1, p2: 2}}
        - {name: sw1, embedded: true, port: 0, ports: {p1: 1, p2: 2}, table_sizes: {acl: 4}}
      interfaces:
        wan0: {device: sw0, port: p1}
        lan0: {device: sw0, port: p2}
        wan1: {device: sw1, port: p1}
        lan1: {device: sw1, port: p2}
      flows: {activity_interval: 1h}
      ruleset: {file: none}
      """;

  /** Two drops: two ACL entries per device; TCP connections offloaded. */
  private static final String SMALL = """
      table inet filter {
        flowtable ft { hook ingress priority filter; devices = { wan0, lan0, wan1, lan1 }; }
        chain forward {
          type filter hook forward priority filter; policy accept;
          tcp dport 23 drop
          tcp dport 25 drop
          meta l4proto tcp ct state established flow add @ft
        }
      }
      """;

  /** Keeps one drop, removes one, adds five: more than sw1's ACL holds; UDP connections offloaded. */
  private static final String TOO_BIG = """
      table inet filter {
        flowtable ft { hook ingress priority filter; devices = { wan0, lan0, wan1, lan1 }; }
        chain forward {
          type filter hook forward priority filter; policy accept;
          tcp dport 23 drop
          tcp dport 110 drop
          tcp dport 143 drop
          tcp dport 993 drop
          tcp dport 995 drop
          tcp dport 3389 drop
          meta l4proto udp ct state established flow add @ft
        }
      }
      """;

  /** Fits: three drops; TCP and UDP connections offloaded. */
  private static final String FITS = """
      table inet filter {
        flowtable ft { hook ingress priority filter; devices = { wan0, lan0, wan1, lan1 }; }
        chain forward {
          type filter hook forward priority filter; policy accept;
          tcp dport 23 drop
          tcp dport 110 drop
          tcp dport 143 drop
          meta l4proto { tcp, udp } ct state established flow add @ft
        }
      }
      """;

  /** The ACL a switch holds, read back over P4Runtime: match, priority and action of each entry. */
  private static Set<String> acl(TestController c, String device) throws Exception {
    List<PiTableEntry> entries = c.injector.getInstance(ManagedDevices.class).reader(device).orElseThrow()
        .readTableEntries(FlowtableP4.Acl.TABLE.id()).get(10, TimeUnit.SECONDS);
    Set<String> out = new TreeSet<>();
    for (PiTableEntry e : entries) {
      out.add(e.matchKey() + " prio " + e.priority().orElse(-1) + " -> " + e.action());
    }
    return out;
  }

  private static Set<Integer> protocols(OffloadPolicy p) {
    Set<Integer> out = new TreeSet<>();
    p.getRulesList().forEach(r -> r.getProtocolsList().forEach(out::add));
    return out;
  }

  /** {@code n} drop rules, one ACL entry each, for sources 10.{net}.x.y. */
  private static String drops(int net, int n) {
    StringBuilder b = new StringBuilder("table inet filter {\n  chain forward {\n"
        + "    type filter hook forward priority filter; policy accept;\n");
    for (int i = 0; i < n; i++) {
      b.append("    ip saddr 10.").append(net).append('.').append(i / 250).append('.').append(i % 250 + 1)
          .append(" drop\n");
    }
    return b.append("  }\n}\n").toString();
  }

  @Test
  void aFullAclIsReplacedByAnotherThatFillsItDeletesLandingBeforeInserts() throws Exception {
    // more updates than one P4Runtime write batch: batches in flight must not let inserts overtake deletes
    String config = """
        api: {port: 0, tokens: [{name: ops, token: admin-token, role: admin}]}
        devices:
          - {name: sw0, embedded: true, port: 0, ports: {p1: 1}, table_sizes: {acl: 1100}}
          - {name: sw1, embedded: true, port: 0, ports: {p1: 1}, table_sizes: {acl: 1100}}
        ruleset: {file: none}
        """;
    try (TestController c = new TestController(config, EmbeddedSwitches.PortSource.NONE)) {
      for (int round = 0; round < 2; round++) {
        HttpResponse<String> r = c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, drops(round + 1, 1100));
        assertEquals(200, r.statusCode(), "round " + round + ": " + r.body());
        for (String d : List.of("sw0", "sw1")) {
          Set<String> acl = acl(c, d);
          assertEquals(1100, acl.size(), d);
          assertTrue(acl.iterator().next().contains(String.format("ipv4_src=0xa%02x", round + 1)), acl.iterator().next());
        }
      }
    }
  }

  @Test
  void aDeviceWithoutRoomFailsThePutAndEveryDeviceAndAgentKeepsThePreviousRuleset() throws Exception {
    try (TestController c = new TestController(CONFIG, EmbeddedSwitches.PortSource.NONE);
        TestController.Agent agent = c.agent()) {
      agent.hello("h1", TestController.AGENT_TOKEN);
      assertEquals(0, agent.next(ControllerMessage.KindCase.POLICY).getPolicy().getRulesCount(), "no ruleset yet");

      HttpResponse<String> small = c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, SMALL);
      assertEquals(200, small.statusCode(), small.body());
      assertEquals(Set.of(6), protocols(agent.next(ControllerMessage.KindCase.POLICY).getPolicy()));
      Set<String> sw0 = acl(c, "sw0");
      Set<String> sw1 = acl(c, "sw1");
      assertEquals(2, sw0.size(), sw0.toString());
      assertEquals(2, sw1.size(), sw1.toString());
      long version = JSON.readTree(c.get("/api/v1/ruleset").body()).get("version").asLong();

      HttpResponse<String> refused = c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, TOO_BIG);
      assertEquals(502, refused.statusCode(), refused.body());
      assertEquals("application/problem+json", refused.headers().firstValue("Content-Type").orElseThrow());
      JsonNode problem = JSON.readTree(refused.body());
      String detail = problem.get("detail").asText();
      assertTrue(detail.contains("device 'sw1'"), detail);
      assertTrue(detail.contains("RESOURCE_EXHAUSTED"), detail);
      assertTrue(!detail.contains("'sw0'"), "only the refusing device is named: " + detail);

      assertEquals(sw0, acl(c, "sw0"), "sw0 took the change and was put back");
      assertEquals(sw1, acl(c, "sw1"), "sw1 holds the previous ACL");
      JsonNode current = JSON.readTree(c.get("/api/v1/ruleset").body());
      assertEquals(version, current.get("version").asLong());
      assertEquals(SMALL, current.get("text").asText());
      assertEquals(2, current.get("devices").get("sw1").get("aclEntries").asInt());

      // the agents were never told: the next policy they get is the one of the next ruleset that is applied
      HttpResponse<String> fits = c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, FITS);
      assertEquals(200, fits.statusCode(), fits.body());
      assertEquals(Set.of(6, 17), protocols(agent.next(ControllerMessage.KindCase.POLICY).getPolicy()));
      assertEquals(3, acl(c, "sw0").size());
      assertEquals(3, acl(c, "sw1").size());
      assertNotEquals(sw1, acl(c, "sw1"));
      // the desired state of the devices holds the applied ruleset only: a reconciliation changes nothing
      for (String d : List.of("sw0", "sw1")) {
        var device = c.injector.getInstance(ManagedDevices.class).manager().device(d).orElseThrow();
        assertEquals(0, device.reconcile().get(10, TimeUnit.SECONDS).changes(), d);
      }
    }
  }
}
