package org.nftoffload.ruleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.service.EmbeddedSwitches;
import org.nftoffload.service.ManagedDevices;
import org.nftoffload.service.TestController;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * Editing a rule in the middle of a long chain through the REST API writes that rule's ACL entries only: the dry run
 * reports one insert (then one delete, one modify), the PUT writes it, and every other entry the switch holds (read
 * back over P4Runtime) keeps its match, priority and action.
 */
class MidChainEditTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CONFIG = """
      api: {port: 0, tokens: [{name: ops, token: admin-token, role: admin}]}
      devices: [{name: sw0, embedded: true, port: 0, ports: {p1: 1}}]
      ruleset: {file: none}
      """;

  /** 400 rules, one ACL entry each; {@code extra} (when not null) goes before rule {@code at}. */
  private static String chain(int at, String extra) {
    StringBuilder b = new StringBuilder("table inet filter {\n  chain forward {\n"
        + "    type filter hook forward priority filter; policy accept;\n");
    for (int i = 0; i < 400; i++) {
      if (i == at && extra != null) {
        b.append("    ").append(extra).append('\n');
      }
      b.append("    ip saddr 10.9.").append(i / 200).append('.').append(i % 200 + 1).append(" tcp dport ")
          .append(2000 + i).append(i % 2 == 0 ? " drop\n" : " accept\n");
    }
    return b.append("  }\n}\n").toString();
  }

  private static Set<String> acl(TestController c) throws Exception {
    List<PiTableEntry> entries = c.injector.getInstance(ManagedDevices.class).reader("sw0").orElseThrow()
        .readTableEntries(FlowtableP4.Acl.TABLE.id()).get(10, TimeUnit.SECONDS);
    Set<String> out = new TreeSet<>();
    for (PiTableEntry e : entries) {
      out.add(e.matchKey() + " prio " + e.priority().orElse(-1) + " -> " + e.action());
    }
    return out;
  }

  private static JsonNode diff(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("diff").get("sw0");
  }

  private static List<Integer> counts(JsonNode d) {
    return List.of(d.get("inserts").asInt(), d.get("modifies").asInt(), d.get("deletes").asInt());
  }

  @Test
  void aRuleInsertedRemovedOrChangedMidChainIsOneWrite() throws Exception {
    try (TestController c = new TestController(CONFIG, EmbeddedSwitches.PortSource.NONE)) {
      String a = chain(-1, null);
      assertEquals(List.of(400, 0, 0), counts(diff(c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, a))));
      Set<String> before = acl(c);
      assertEquals(400, before.size());

      String b = chain(200, "ip saddr 192.0.2.0/24 drop");
      assertEquals(List.of(1, 0, 0), counts(diff(c.call("PUT", "/api/v1/ruleset?dryRun=true", TestController.ADMIN,
          b))), "dry run");
      assertEquals(before, acl(c), "a dry run writes nothing");
      assertEquals(List.of(1, 0, 0), counts(diff(c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, b))));
      Set<String> after = acl(c);
      assertEquals(401, after.size());
      Set<String> added = new HashSet<>(after);
      added.removeAll(before);
      assertEquals(1, added.size(), "every other entry kept its key, priority and action: " + added);
      assertTrue(added.iterator().next().contains("0xc0000200"), added.toString());

      // removing it again, then flipping one verdict mid-chain
      assertEquals(List.of(0, 0, 1), counts(diff(c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, a))));
      assertEquals(before, acl(c), "back to the first ACL exactly");
      String flipped = a.replace("ip saddr 10.9.1.1 tcp dport 2200 drop", "ip saddr 10.9.1.1 tcp dport 2200 accept");
      assertEquals(List.of(0, 1, 0), counts(diff(c.call("PUT", "/api/v1/ruleset?dryRun=true", TestController.ADMIN,
          flipped))));
    }
  }
}
