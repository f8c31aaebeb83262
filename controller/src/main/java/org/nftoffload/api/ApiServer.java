package org.nftoffload.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.google.inject.Inject;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.nftoffload.agentendpoint.AgentEndpoint;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.device.Device;
import org.nftoffload.flow.Direction;
import org.nftoffload.flow.FlowManager;
import org.nftoffload.flow.FlowState;
import org.nftoffload.flow.FlowView;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.plan.Plan;
import org.nftoffload.plan.PlanDiff;
import org.nftoffload.plan.RuleVerdict;
import org.nftoffload.ruleset.RulesetException;
import org.nftoffload.ruleset.RulesetService;
import org.nftoffload.service.ManagedDevices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API (Javalin on Jetty): rulesets, devices, flows, agents, health and metrics under {@code /api/v1}, an
 * OpenAPI 3 document at {@code /api/v1/openapi.json}, errors as RFC 9457 problem documents. Every route but the
 * health probes needs a bearer token from {@code api.tokens}; changes need an admin token (401 without a valid
 * token, 403 with a read-only one). With no tokens configured (loopback only) every caller is admin.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  static final String PREFIX = "/api/v1";
  static final String PROBLEM_JSON = "application/problem+json";

  private final ControllerConfig.Api config;
  private final RulesetService rulesets;
  private final FlowManager flows;
  private final ManagedDevices devices;
  private final AgentEndpoint agents;
  private final PrometheusMeterRegistry meters;
  private final Supplier<Boolean> ready;
  private final ObjectMapper json = new ObjectMapper().registerModule(new Jdk8Module())
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  private final List<Route> routes = new ArrayList<>();
  private Javalin app;
  private JvmGcMetrics gcMetrics;

  @Inject
  public ApiServer(ControllerConfig config, RulesetService rulesets, FlowManager flows, ManagedDevices devices,
      AgentEndpoint agents, PrometheusMeterRegistry meters, ReadinessProbe ready) {
    this.config = config.api();
    this.rulesets = rulesets;
    this.flows = flows;
    this.devices = devices;
    this.agents = agents;
    this.meters = meters;
    this.ready = ready::ready;
  }

  /** Whether the controller is ready to serve (every device primary); bound by the service module. */
  public interface ReadinessProbe {
    boolean ready();
  }

  /** Every declared route, in declaration order. */
  public List<Route> routes() {
    return List.copyOf(routes);
  }

  public synchronized InetSocketAddress start() {
    app = Javalin.create(cfg -> {
      cfg.jetty.host = config.host();
      cfg.jetty.port = config.port();
      cfg.startup.showJavalinBanner = false;
      cfg.jsonMapper(new JavalinJackson(json, false));
      routes.clear();
      declare(cfg.routes);
      cfg.routes.exception(ApiProblem.class, (e, ctx) -> problem(ctx, e));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        log.warn("REST {} {}: {}", ctx.method(), ctx.path(), e.toString(), e);
        problem(ctx, new ApiProblem(500, "Internal error", e.toString()));
      });
      cfg.routes.error(404, "*", ctx -> {
        if (!PROBLEM_JSON.equals(ctx.res().getContentType())) {
          problem(ctx, new ApiProblem(404, "Not found", "no route " + ctx.method() + " " + ctx.path()));
        }
      });
      cfg.routes.error(405, "*", ctx -> problem(ctx, new ApiProblem(405, "Method not allowed",
          ctx.method() + " " + ctx.path())));
    });
    app.start();
    // heap, direct memory (the device state's entry pages live there) and collector pauses, for /metrics
    new JvmMemoryMetrics().bindTo(meters);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(meters);
    return new InetSocketAddress(config.host(), app.port());
  }

  @Override
  public synchronized void close() {
    if (app != null) {
      app.stop();
      app = null;
    }
    if (gcMetrics != null) {
      gcMetrics.close(); // its listeners on the JVM's collectors would outlive the server
      gcMetrics = null;
    }
  }

  // ---------------------------------------------------------------- routes

  private void declare(io.javalin.config.RoutesConfig r) {
    add(r, "GET", PREFIX + "/health/live", Route.Access.PUBLIC, ctx -> ctx.json(Map.of("status", "live")));
    add(r, "GET", PREFIX + "/health/ready", Route.Access.PUBLIC, ctx -> {
      boolean ok = ready.get();
      ctx.status(ok ? 200 : 503).json(Map.of("status", ok ? "ready" : "not ready",
          "devices", devicesSummary()));
    });
    add(r, "GET", PREFIX + "/openapi.json", Route.Access.PUBLIC, ctx -> {
      try (InputStream in = ApiServer.class.getResourceAsStream("openapi.json")) {
        ctx.contentType("application/json").result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    });
    add(r, "GET", "/metrics", Route.Access.READ, ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(meters.scrape()));
    add(r, "GET", PREFIX + "/ruleset", Route.Access.READ, this::getRuleset);
    add(r, "PUT", PREFIX + "/ruleset", Route.Access.ADMIN, this::putRuleset);
    add(r, "DELETE", PREFIX + "/ruleset", Route.Access.ADMIN, ctx -> {
      try {
        rulesets.clear();
      } catch (RulesetException e) {
        throw rulesetProblem(e);
      }
      ctx.status(204);
    });
    add(r, "GET", PREFIX + "/devices", Route.Access.READ, ctx -> ctx.json(Map.of("devices", devicesSummary())));
    add(r, "GET", PREFIX + "/devices/{name}", Route.Access.READ, ctx -> {
      Device d = devices.manager().device(ctx.pathParam("name")).orElseThrow(() -> new ApiProblem(404,
          "No such device", "no device named '" + ctx.pathParam("name") + "'"));
      ctx.json(device(d));
    });
    add(r, "GET", PREFIX + "/flows", Route.Access.READ, this::listFlows);
    add(r, "GET", PREFIX + "/flows/{id}", Route.Access.READ, ctx -> ctx.json(flow(flows.flow(flowNumber(ctx))
        .orElseThrow(() -> noFlow(ctx)))));
    add(r, "DELETE", PREFIX + "/flows/{id}", Route.Access.ADMIN, ctx -> {
      FlowView f = flows.flow(flowNumber(ctx)).orElseThrow(() -> noFlow(ctx));
      if (!flows.evict(f.id()).get(10, TimeUnit.SECONDS)) {
        throw noFlow(ctx);
      }
      ctx.status(202).json(Map.of("id", ctx.pathParam("id"), "status", "returning to the kernel"));
    });
    add(r, "GET", PREFIX + "/agents", Route.Access.READ, ctx -> ctx.json(Map.of("agents", agents.agents())));
    add(r, "GET", PREFIX + "/agents/{id}", Route.Access.READ, ctx -> ctx.json(agents.agent(ctx.pathParam("id"))
        .orElseThrow(() -> new ApiProblem(404, "No such agent", "no agent '" + ctx.pathParam("id")
            + "' is connected"))));
  }

  private void add(io.javalin.config.RoutesConfig r, String method, String path, Route.Access access,
      Handler handler) {
    routes.add(new Route(method, path, access));
    Handler guarded = ctx -> {
      authorize(ctx, access);
      handler.handle(ctx);
    };
    switch (method) {
      case "GET" -> r.get(path, guarded);
      case "PUT" -> r.put(path, guarded);
      case "DELETE" -> r.delete(path, guarded);
      default -> throw new IllegalArgumentException(method);
    }
  }

  private void authorize(Context ctx, Route.Access access) {
    if (access == Route.Access.PUBLIC || config.tokens().isEmpty()) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"nftoffload\"");
      throw new ApiProblem(401, "Unauthorized", "a bearer token is required (Authorization: Bearer <token>)");
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    Optional<ControllerConfig.ApiToken> token = config.tokens().stream()
        .filter(t -> MessageDigest.isEqual(t.token().getBytes(StandardCharsets.UTF_8), given)).findFirst();
    if (token.isEmpty()) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"nftoffload\", error=\"invalid_token\"");
      throw new ApiProblem(401, "Unauthorized", "unknown bearer token");
    }
    if (access == Route.Access.ADMIN && token.get().role() != ControllerConfig.Role.ADMIN) {
      throw new ApiProblem(403, "Forbidden", "token '" + token.get().name() + "' is read-only; this needs admin");
    }
  }

  private void problem(Context ctx, ApiProblem p) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", p.title());
    body.put("status", p.status());
    body.put("detail", p.getMessage());
    body.put("instance", ctx.path());
    body.putAll(p.extensions());
    try {
      ctx.status(p.status()).contentType(PROBLEM_JSON).result(json.writeValueAsString(body));
    } catch (IOException e) {
      ctx.status(500).result(p.getMessage());
    }
  }

  // ---------------------------------------------------------------- rulesets

  private void getRuleset(Context ctx) {
    RulesetService.Applied a = rulesets.current().orElseThrow(() -> new ApiProblem(404, "No ruleset",
        "no ruleset is applied"));
    Map<String, Object> body = applied(a);
    body.put("text", a.text());
    ctx.json(body);
  }

  private void putRuleset(Context ctx) {
    String text = ctx.body();
    if (text.isBlank()) {
      throw new ApiProblem(400, "Empty ruleset", "the request body must be an nft ruleset (text or JSON)");
    }
    boolean dryRun = Boolean.parseBoolean(ctx.queryParam("dryRun"));
    try {
      if (dryRun) {
        RulesetService.Change c = rulesets.plan("request", text);
        Map<String, Object> body = applied(c.next());
        body.put("dryRun", true);
        body.put("diff", diffs(c.diffs()));
        ctx.json(body);
      } else {
        RulesetService.Change c = rulesets.apply("request", text);
        Map<String, Object> body = applied(c.next());
        body.put("dryRun", false);
        body.put("diff", diffs(c.diffs()));
        ctx.json(body);
      }
    } catch (RulesetException e) {
      throw rulesetProblem(e);
    }
  }

  private static ApiProblem rulesetProblem(RulesetException e) {
    Map<String, Object> ext = new LinkedHashMap<>();
    e.position().ifPresent(p -> ext.put("position", Map.of("file", p.file(), "line", p.line(), "column",
        p.column())));
    return switch (e.kind()) {
      case INVALID -> new ApiProblem(400, "Invalid ruleset", e.getMessage(), ext);
      case DEVICE -> new ApiProblem(502, "Device refused the ruleset", e.getMessage(), ext);
      case CONFLICT -> new ApiProblem(409, "Conflict", e.getMessage(), ext);
    };
  }

  private static Map<String, Object> applied(RulesetService.Applied a) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", a.version());
    body.put("name", a.name());
    body.put("appliedAt", a.appliedAt().toString());
    Plan first = a.plans().values().stream().findFirst().orElse(null);
    List<Map<String, Object>> verdicts = new ArrayList<>();
    if (first != null) {
      for (RuleVerdict v : first.verdicts()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", v.rule().label());
        m.put("text", v.rule().text());
        v.rule().position().ifPresent(p -> m.put("line", p.line()));
        m.put("verdict", v.verdict().name());
        m.put("reasons", v.reasons());
        m.put("aclEntries", v.aclEntries());
        verdicts.add(m);
      }
      List<Map<String, Object>> policies = new ArrayList<>();
      for (var p : first.offload()) {
        policies.add(Map.of("rule", p.rule().label(), "flowtable", p.flowtable(), "devices", p.devices()));
      }
      body.put("offloadPolicies", policies);
    }
    body.put("verdicts", verdicts);
    Map<String, Object> perDevice = new LinkedHashMap<>();
    a.plans().forEach((d, p) -> perDevice.put(d, Map.of("aclEntries", p.acl().size())));
    body.put("devices", perDevice);
    body.put("policyNotes", a.policyNotes());
    return body;
  }

  private static Map<String, Object> diffs(Map<String, PlanDiff> diffs) {
    Map<String, Object> out = new LinkedHashMap<>();
    diffs.forEach((d, diff) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("inserts", diff.inserts().size());
      m.put("modifies", diff.modifies().size());
      m.put("deletes", diff.deletes().size());
      m.put("policiesAdded", diff.policiesAdded().stream().map(p -> p.rule().label()).toList());
      m.put("policiesRemoved", diff.policiesRemoved().stream().map(p -> p.rule().label()).toList());
      out.put(d, m);
    });
    return out;
  }

  // ---------------------------------------------------------------- devices

  private List<Map<String, Object>> devicesSummary() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Device d : devices.manager().devices()) {
      out.add(device(d));
    }
    return out;
  }

  private Map<String, Object> device(Device d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", d.name());
    m.put("address", d.spec().address());
    m.put("deviceId", d.spec().deviceId());
    m.put("driver", d.driver().name());
    m.put("mastership", d.mastership().state().name());
    m.put("status", d.mastership().isPrimary() ? "up" : d.mastership().state() == org.nftoffload.p4runtime
        .Mastership.State.DISCONNECTED ? "down" : "backup");
    m.put("pipeline", Map.of("program", "flowtable", "arch", "v1model", "cpuPort", d.driver().cpuPort()));
    var counts = d.mirrorCounts(); // counted on the stored bytes: no entry is decoded
    List<Map<String, Object>> tables = new ArrayList<>();
    for (FlowtableP4.Table t : FlowtableP4.TABLES) {
      Map<String, Object> tm = new LinkedHashMap<>();
      tm.put("table", t.id().id());
      tm.put("entries", counts.getOrDefault(t.id(), 0));
      d.driver().capabilities().tableSize(t.id()).ifPresent(n -> tm.put("size", n));
      tables.add(tm);
    }
    m.put("tables", tables);
    m.put("ports", d.spec().ports());
    return m;
  }

  // ---------------------------------------------------------------- flows

  private void listFlows(Context ctx) {
    Optional<FlowState> state = Optional.ofNullable(ctx.queryParam("state")).map(s -> {
      try {
        return FlowState.valueOf(s.toUpperCase());
      } catch (IllegalArgumentException e) {
        throw new ApiProblem(400, "Bad filter", "state '" + s + "' is not one of "
            + java.util.Arrays.toString(FlowState.values()));
      }
    });
    Optional<String> device = Optional.ofNullable(ctx.queryParam("device"));
    Optional<String> agent = Optional.ofNullable(ctx.queryParam("agent"));
    int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = intParam(ctx, "limit", 100, 1, 10_000);
    List<FlowView> all = flows.flows().stream()
        .filter(f -> state.isEmpty() || f.state() == state.get())
        .filter(f -> device.isEmpty() || f.device().equals(device))
        .filter(f -> agent.isEmpty() || f.id().agent().equals(agent.get()))
        .sorted(Comparator.comparing((FlowView f) -> f.id().agent()).thenComparingInt(f -> f.id().zone())
            .thenComparingLong(FlowView::number))
        .toList();
    List<Map<String, Object>> page = all.stream().skip(offset).limit(limit).map(ApiServer::flow).toList();
    ctx.json(Map.of("total", all.size(), "offset", offset, "limit", limit, "flows", page));
  }

  private static int intParam(Context ctx, String name, int fallback, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ApiProblem(400, "Bad parameter", name + "=" + v + " is not an integer in " + min + ".." + max);
    }
  }

  /** Flow ids in URLs: the controller's number for the flow. */
  private static long flowNumber(Context ctx) {
    String s = ctx.pathParam("id");
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ApiProblem(400, "Bad flow id", "'" + s + "' is not a flow number");
    }
  }

  private static ApiProblem noFlow(Context ctx) {
    return new ApiProblem(404, "No such flow", "no flow " + ctx.pathParam("id"));
  }

  static Map<String, Object> flow(FlowView f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", f.number());
    m.put("agent", f.id().agent());
    m.put("zone", f.id().zone());
    m.put("conntrackId", f.conntrackId());
    m.put("state", f.state().name());
    f.device().ifPresent(d -> m.put("device", d));
    m.put("nat", f.nat());
    m.put("original", direction(f.original()));
    m.put("reply", direction(f.reply()));
    f.reason().ifPresent(r -> m.put("reason", r));
    m.put("retries", f.retries());
    m.put("counters", Map.of("packets", f.packets(), "bytes", f.bytes()));
    m.put("since", f.since().toString());
    f.lastUsed().ifPresent(t -> m.put("lastUsed", t.toString()));
    return m;
  }

  private static Map<String, Object> direction(Direction d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tuple", d.tuple().toString());
    m.put("source", d.tuple().source().getHostAddress());
    m.put("destination", d.tuple().destination().getHostAddress());
    m.put("protocol", d.tuple().protocol());
    m.put("sourcePort", d.tuple().sourcePort());
    m.put("destinationPort", d.tuple().destinationPort());
    m.put("ingress", d.ingress());
    m.put("egress", d.egress());
    m.put("sourceMac", Direction.mac(d.sourceMac()));
    m.put("destinationMac", Direction.mac(d.destinationMac()));
    if (d.ingressVlan() != 0) {
      m.put("ingressVlan", d.ingressVlan());
    }
    if (d.egressVlan() != 0) {
      m.put("egressVlan", d.egressVlan());
    }
    return m;
  }
}
