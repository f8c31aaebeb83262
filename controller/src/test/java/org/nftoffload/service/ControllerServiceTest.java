package org.nftoffload.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowDelete;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowEvents;
import org.nftoffload.api.ApiServer;
import org.nftoffload.api.Route;

/** The whole service on loopback: REST with tokens, rulesets, the agent endpoint and flows through to the switch. */
class ControllerServiceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestController c;

  @BeforeAll
  static void start() throws Exception {
    c = new TestController();
  }

  @AfterAll
  static void stop() {
    if (c != null) {
      c.close();
    }
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void tokensAreRequiredAndRolesEnforced() throws Exception {
    HttpResponse<String> none = c.call("GET", "/api/v1/flows", null, null);
    assertEquals(401, none.statusCode());
    assertEquals("application/problem+json", none.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Bearer"));
    assertEquals(401, json(none).get("status").asInt());

    assertEquals(401, c.call("GET", "/api/v1/flows", "guess", null).statusCode());
    assertEquals(200, c.call("GET", "/api/v1/flows", TestController.READER, null).statusCode());

    HttpResponse<String> readOnly = c.call("DELETE", "/api/v1/ruleset", TestController.READER, null);
    assertEquals(403, readOnly.statusCode());
    assertTrue(json(readOnly).get("detail").asText().contains("read-only"));
    assertEquals(403, c.call("PUT", "/api/v1/ruleset?dryRun=true", TestController.READER, "table ip t {}")
        .statusCode());

    assertEquals(200, c.call("GET", "/api/v1/health/live", null, null).statusCode());
    assertEquals(200, c.call("GET", "/api/v1/health/ready", null, null).statusCode());
    HttpResponse<String> missing = c.get("/api/v1/nothing-here");
    assertEquals(404, missing.statusCode());
    assertEquals("application/problem+json", missing.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void openApiDocumentMatchesTheRoutes() throws Exception {
    JsonNode doc = json(c.call("GET", "/api/v1/openapi.json", null, null));
    assertEquals("3.0.3", doc.get("openapi").asText());
    Set<String> documented = new HashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + p.getKey()));
      for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields(); ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        boolean isPublic = op.getValue().has("security") && op.getValue().get("security").isEmpty();
        Route r = c.injector.getInstance(ApiServer.class).routes().stream()
            .filter(x -> x.path().equals(p.getKey()) && x.method().equalsIgnoreCase(op.getKey())).findFirst()
            .orElse(null);
        if (r != null) {
          assertEquals(r.access() == Route.Access.PUBLIC, isPublic, "security of " + op.getKey() + " " + p.getKey());
          assertEquals(r.access() == Route.Access.ADMIN, op.getValue().get("responses").has("403"),
              "403 documented for admin routes only: " + op.getKey() + " " + p.getKey());
        }
      }
    }
    Set<String> routed = new HashSet<>();
    for (Route r : c.injector.getInstance(ApiServer.class).routes()) {
      routed.add(r.method() + " " + r.path());
    }
    assertEquals(routed, documented);
  }

  @Test
  void rulesetsArePlannedDiffedAppliedAndRemoved() throws Exception {
    JsonNode current = json(c.get("/api/v1/ruleset"));
    long version = current.get("version").asLong();
    assertTrue(current.get("text").asText().contains("flow add @ft"));
    assertTrue(current.get("offloadPolicies").size() >= 1, current.toString());
    int aclBefore = current.get("devices").get("sw0").get("aclEntries").asInt();
    assertTrue(aclBefore > 0);

    String next = """
        table inet filter {
          flowtable ft { hook ingress priority filter; devices = { wan0, lan0 }; }
          chain forward {
            type filter hook forward priority filter; policy accept;
            tcp dport 23 drop
            meta l4proto tcp ct state established flow add @ft
          }
        }
        """;
    JsonNode dry = json(c.call("PUT", "/api/v1/ruleset?dryRun=true", TestController.ADMIN, next));
    assertTrue(dry.get("dryRun").asBoolean());
    assertTrue(dry.get("diff").get("sw0").get("deletes").asInt() > 0, dry.toString());
    assertEquals(version, json(c.get("/api/v1/ruleset")).get("version").asLong(), "dry run changes nothing");

    HttpResponse<String> bad = c.call("PUT", "/api/v1/ruleset", TestController.ADMIN,
        "table inet filter {\n  chain forward {\n    tcp dport 80 jump nowhere\n  }\n}\n");
    assertEquals(400, bad.statusCode(), bad.body());
    assertEquals("application/problem+json", bad.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(3, json(bad).get("position").get("line").asInt(), bad.body());
    assertEquals(version, json(c.get("/api/v1/ruleset")).get("version").asLong(), "refused ruleset changes nothing");

    HttpResponse<String> applied = c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, next);
    assertEquals(200, applied.statusCode(), applied.body());
    JsonNode now = json(c.get("/api/v1/ruleset"));
    assertEquals(version + 1, now.get("version").asLong());
    int acl = now.get("devices").get("sw0").get("aclEntries").asInt();
    assertEquals(acl, aclOnDevice(), "the device holds exactly the new ACL");

    assertEquals(204, c.call("DELETE", "/api/v1/ruleset", TestController.ADMIN, null).statusCode());
    assertEquals(404, c.get("/api/v1/ruleset").statusCode());
    assertEquals(0, aclOnDevice());
    assertEquals(200, c.call("PUT", "/api/v1/ruleset", TestController.ADMIN, current.get("text").asText())
        .statusCode());
    assertEquals(aclBefore, aclOnDevice());
  }

  private static int aclOnDevice() throws Exception {
    for (JsonNode t : json(c.get("/api/v1/devices/sw0")).get("tables")) {
      if (t.get("table").asText().endsWith(".acl")) {
        return t.get("entries").asInt();
      }
    }
    throw new AssertionError("no acl table");
  }

  private static int flowEntriesOnDevice() throws Exception {
    int n = 0;
    for (JsonNode t : json(c.get("/api/v1/devices/sw0")).get("tables")) {
      if (t.get("table").asText().contains(".flow_v")) {
        n += t.get("entries").asInt();
      }
    }
    return n;
  }

  @Test
  void unknownWrongTokenAndRevokedAgentsAreRefused() throws Exception {
    for (String[] a : new String[][] {{"stranger", TestController.AGENT_TOKEN, "UNAUTHENTICATED"},
        {"h1", "wrong", "UNAUTHENTICATED"}, {"old", TestController.AGENT_TOKEN, "PERMISSION_DENIED"}}) {
      try (TestController.Agent agent = c.agent()) {
        agent.hello(a[0], a[1]);
        Throwable t = agent.errors.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(a[2], Status.fromThrowable(t).getCode().name(), a[0]);
        assertTrue(agent.received.isEmpty());
      }
    }
  }

  @Test
  void agentFlowBecomesTwoEntriesVisibleOverRestAndDeleteSendsItBack() throws Exception {
    try (TestController.Agent agent = c.agent()) {
      agent.hello("h2", TestController.AGENT_TOKEN);
      assertEquals("nftoffload", agent.next(ControllerMessage.KindCase.HELLO_ACK).getHelloAck().getControllerId());
      assertTrue(agent.next(ControllerMessage.KindCase.POLICY).getPolicy().getRulesCount() >= 0);
      int before = flowEntriesOnDevice();
      agent.send(TestController.events(TestController.masqueraded(77, 10, 40001)));
      ControllerMessage v = agent.next(ControllerMessage.KindCase.VERDICT);
      assertTrue(v.getVerdict().getOffloaded(), v.toString());
      assertEquals(77, v.getVerdict().getConntrackId());
      assertEquals(before + 2, flowEntriesOnDevice());

      JsonNode list = json(c.get("/api/v1/flows?agent=h2&state=offloaded"));
      assertEquals(1, list.get("total").asInt(), list.toString());
      long id = list.get("flows").get(0).get("id").asLong();
      JsonNode flow = json(c.get("/api/v1/flows/" + id));
      assertEquals(77, flow.get("conntrackId").asLong());
      assertEquals("OFFLOADED", flow.get("state").asText());
      assertEquals("sw0", flow.get("device").asText());
      assertTrue(flow.get("nat").asBoolean());
      assertEquals("198.51.100.1", flow.get("reply").get("destination").asText());
      assertTrue(flow.has("counters"));
      JsonNode agents = json(c.get("/api/v1/agents")).get("agents");
      assertTrue(agents.findValuesAsText("id").contains("h2"), agents.toString());
      assertEquals(1, json(c.get("/api/v1/agents/h2")).get("flowAdds").asInt());
      assertEquals(400, c.get("/api/v1/flows?state=sleepy").statusCode());
      assertEquals(400, c.get("/api/v1/flows/not-an-id").statusCode());
      assertEquals(404, c.get("/api/v1/flows/999999").statusCode());

      assertEquals(202, c.call("DELETE", "/api/v1/flows/" + id, TestController.ADMIN, null).statusCode());
      ControllerMessage removed = agent.next(ControllerMessage.KindCase.REMOVED);
      assertEquals(77, removed.getRemoved().getConntrackId());
      assertEquals(404, c.get("/api/v1/flows/" + id).statusCode());
      assertEquals(before, flowEntriesOnDevice());

      // the agent's own delete (FIN) removes the entries without an echo
      var second = TestController.masqueraded(78, 11, 40002);
      agent.send(TestController.events(second));
      assertTrue(agent.next(ControllerMessage.KindCase.VERDICT).getVerdict().getOffloaded());
      assertEquals(1, json(c.get("/api/v1/flows?agent=h2")).get("total").asInt());
      agent.send(AgentMessage.newBuilder().setEvents(FlowEvents.newBuilder().addEvents(FlowEvent.newBuilder()
          .setDelete(FlowDelete.newBuilder().setConntrackId(78).setOriginal(second.getOriginal().getTuple())
              .setReason(FlowDelete.Reason.FIN)))).build());
      for (int i = 0; i < 100 && json(c.get("/api/v1/flows?agent=h2")).get("total").asInt() != 0; i++) {
        Thread.sleep(20);
      }
      assertEquals(0, json(c.get("/api/v1/flows?agent=h2")).get("total").asInt());
      assertEquals(before, flowEntriesOnDevice());
      assertFalse(agent.received.stream().anyMatch(ControllerMessage::hasRemoved));
    }
  }

  @Test
  void verdictsOfOneEventMessageComeBackBatchedPerDeviceWrite() throws Exception {
    int n = 1100; // more than one FlowNotices message holds
    try (TestController.Agent agent = c.rawAgent()) {
      agent.hello("h1", TestController.AGENT_TOKEN);
      agent.next(ControllerMessage.KindCase.HELLO_ACK);
      org.nftoffload.agent.v1.FlowAdd[] adds = new org.nftoffload.agent.v1.FlowAdd[n];
      FlowEvents.Builder deletes = FlowEvents.newBuilder();
      for (int i = 0; i < n; i++) {
        adds[i] = TestController.masqueraded(5000 + i, 50 + i / 1000, 10000 + i);
        deletes.addEvents(FlowEvent.newBuilder().setDelete(FlowDelete.newBuilder()
            .setOriginal(adds[i].getOriginal().getTuple()).setReason(FlowDelete.Reason.FIN)));
      }
      agent.send(TestController.events(adds));
      Set<Long> offloaded = new HashSet<>();
      int messages = 0;
      while (offloaded.size() < n) {
        ControllerMessage m = agent.received.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(m != null, "verdicts for " + offloaded.size() + " of " + n + " flows within 10 s");
        if (m.getKindCase() == ControllerMessage.KindCase.POLICY) {
          continue;
        }
        assertEquals(ControllerMessage.KindCase.NOTICES, m.getKindCase(), "verdicts come only in FlowNotices");
        messages++;
        assertTrue(m.getNotices().getNoticesCount() <= 1024, "notices in one message: "
            + m.getNotices().getNoticesCount());
        for (var notice : m.getNotices().getNoticesList()) {
          assertTrue(notice.getVerdict().getOffloaded(), notice.toString());
          assertTrue(offloaded.add(notice.getVerdict().getConntrackId()), "second verdict for " + notice);
        }
      }
      // one message per answered device write (batch_size 512: 2,200 entries are 5 writes), split at 1,024
      assertTrue(messages >= 2 && messages <= 7, messages + " messages for " + n + " verdicts");
      agent.send(AgentMessage.newBuilder().setEvents(deletes).build());
      for (int i = 0; i < 200 && json(c.get("/api/v1/flows?agent=h1")).get("total").asInt() != 0; i++) {
        Thread.sleep(20);
      }
      assertEquals(0, json(c.get("/api/v1/flows?agent=h1")).get("total").asInt());
    }
  }

  @Test
  void metricsAreServedAsPrometheusText() throws Exception {
    HttpResponse<String> m = c.get("/metrics");
    assertEquals(200, m.statusCode());
    assertTrue(m.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    assertTrue(m.body().contains("nftoffload_flows{state=\"offloaded\"}"), m.body());
    // the JVM's own: heap and direct memory (where device entries live), collector pauses
    assertTrue(m.body().contains("jvm_buffer_memory_used_bytes{id=\"direct\"}"), m.body());
    assertTrue(m.body().contains("jvm_memory_used_bytes{area=\"heap\""), m.body());
    assertTrue(m.body().contains("jvm_gc_"), m.body());
  }
}
