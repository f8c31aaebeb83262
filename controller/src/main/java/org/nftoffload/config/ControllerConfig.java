package org.nftoffload.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's whole configuration: one typed tree loaded from YAML or JSON by {@link ConfigLoader}, unknown keys
 * rejected, every absent setting replaced by its default here (documented in {@code docs/configuration.md}).
 * Each record validates itself, so a bad value fails at load time naming the setting.
 *
 * @param controllerId name this controller gives itself (HelloAck, logs)
 * @param electionId P4Runtime election id on every device; the highest among controllers is primary
 * @param reconcilePeriod how often devices are read back and repaired
 * @param api the REST API listener and its tokens
 * @param agents the agent endpoint listener and the agents allowed to connect
 * @param devices the P4Runtime devices the controller drives
 * @param interfaces host interface name → device and port that carries it
 * @param flows flow manager tuning
 * @param ruleset the ruleset applied at start
 */
public record ControllerConfig(
    @JsonProperty("controller_id") String controllerId,
    @JsonProperty("election_id") Long electionId,
    @JsonProperty("reconcile_period") Duration reconcilePeriod,
    Api api,
    Agents agents,
    List<Device> devices,
    Map<String, Attachment> interfaces,
    Flows flows,
    RulesetSource ruleset) {

  public ControllerConfig {
    controllerId = controllerId == null ? "nftoffload" : requireText(controllerId, "controller_id");
    electionId = electionId == null ? 1L : electionId;
    if (electionId < 1) {
      throw new IllegalArgumentException("election_id: must be at least 1 (0 means no primary)");
    }
    reconcilePeriod = positive(reconcilePeriod, Duration.ofSeconds(30), "reconcile_period");
    api = api == null ? new Api(null, null, null) : api;
    agents = agents == null ? new Agents(null, null, null) : agents;
    devices = devices == null ? List.of() : List.copyOf(devices);
    interfaces = interfaces == null ? Map.of() : Map.copyOf(interfaces);
    flows = flows == null ? new Flows(null, null, null, null, null, null, null, null, null) : flows;
    ruleset = ruleset == null ? new RulesetSource(null) : ruleset;
    Set<String> names = new HashSet<>();
    for (Device d : devices) {
      if (!names.add(d.name())) {
        throw new IllegalArgumentException("devices: name '" + d.name() + "' is used twice");
      }
    }
    List<Device> all = devices;
    for (var e : interfaces.entrySet()) {
      Attachment a = e.getValue();
      Device d = all.stream().filter(x -> x.name().equals(a.device())).findFirst().orElseThrow(
          () -> new IllegalArgumentException("interfaces." + e.getKey() + ".device: no device named '" + a.device()
              + "' (devices: " + all.stream().map(Device::name).toList() + ")"));
      if (!d.ports().containsKey(a.port())) {
        throw new IllegalArgumentException("interfaces." + e.getKey() + ".port: device '" + d.name()
            + "' has no port '" + a.port() + "' (ports: " + d.ports().keySet() + ")");
      }
    }
  }

  static String requireText(String s, String field) {
    if (s.isBlank()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    return s;
  }

  static int checkPort(Integer value, int fallback, String field, boolean zeroAllowed) {
    int p = value == null ? fallback : value;
    if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
      throw new IllegalArgumentException(field + ": port " + p + " outside " + (zeroAllowed ? 0 : 1) + "..65535");
    }
    return p;
  }

  static Duration positive(Duration d, Duration fallback, String field) {
    Duration v = d == null ? fallback : d;
    if (v.isNegative() || v.isZero()) {
      throw new IllegalArgumentException(field + ": must be positive, got " + v);
    }
    return v;
  }

  static int atLeast(Integer value, int fallback, int min, String field) {
    int v = value == null ? fallback : value;
    if (v < min) {
      throw new IllegalArgumentException(field + ": must be at least " + min + ", got " + v);
    }
    return v;
  }

  /** A bearer token of the REST API and the role it grants. */
  public record ApiToken(String name, String token, Role role) {
    public ApiToken {
      name = requireText(Objects.requireNonNull(name, "api.tokens[].name is required"), "api.tokens[].name");
      token = requireText(Objects.requireNonNull(token, "api.tokens[" + name + "].token is required"),
          "api.tokens[" + name + "].token");
      role = Objects.requireNonNull(role, "api.tokens[" + name + "].role is required (read_only or admin)");
    }
  }

  /** What a REST token may do: read everything, or also change rulesets and flows. */
  public enum Role {
    @JsonProperty("read_only") READ_ONLY,
    @JsonProperty("admin") ADMIN
  }

  /**
   * The REST API listener.
   *
   * @param host address to bind (default 127.0.0.1)
   * @param port TCP port, 0 = any free port (default 8181)
   * @param tokens bearer tokens; empty = no authentication, only allowed on a loopback host (default empty)
   */
  public record Api(String host, Integer port, List<ApiToken> tokens) {
    public Api {
      host = host == null ? "127.0.0.1" : requireText(host, "api.host");
      port = checkPort(port, 8181, "api.port", true);
      tokens = tokens == null ? List.of() : List.copyOf(tokens);
      Set<String> seen = new HashSet<>();
      for (ApiToken t : tokens) {
        if (!seen.add(t.token())) {
          throw new IllegalArgumentException("api.tokens[" + t.name() + "]: token is used twice");
        }
      }
      if (tokens.isEmpty() && !Loopback.is(host)) {
        throw new IllegalArgumentException("api.tokens: required when api.host (" + host + ") is not loopback");
      }
    }
  }

  /** An agent allowed to connect, by the id and token it sends in Hello. */
  public record AgentToken(String id, String token, Boolean revoked) {
    public AgentToken {
      id = requireText(Objects.requireNonNull(id, "agents.allowed[].id is required"), "agents.allowed[].id");
      token = requireText(Objects.requireNonNull(token, "agents.allowed[" + id + "].token is required"),
          "agents.allowed[" + id + "].token");
      revoked = revoked != null && revoked;
    }
  }

  /**
   * The agent endpoint (gRPC {@code FlowAgent}).
   *
   * @param host address to bind (default 127.0.0.1)
   * @param port TCP port, 0 = any free port (default 9600)
   * @param allowed agents allowed to connect; empty = any agent, only allowed on a loopback host (default empty)
   */
  public record Agents(String host, Integer port, List<AgentToken> allowed) {
    public Agents {
      host = host == null ? "127.0.0.1" : requireText(host, "agents.host");
      port = checkPort(port, 9600, "agents.port", true);
      allowed = allowed == null ? List.of() : List.copyOf(allowed);
      Set<String> ids = new HashSet<>();
      for (AgentToken a : allowed) {
        if (!ids.add(a.id())) {
          throw new IllegalArgumentException("agents.allowed: id '" + a.id() + "' is used twice");
        }
      }
      if (allowed.isEmpty() && !Loopback.is(host)) {
        throw new IllegalArgumentException("agents.allowed: required when agents.host (" + host
            + ") is not loopback");
      }
    }

    /** The entry for an agent id, if configured. */
    public Optional<AgentToken> agent(String id) {
      return allowed.stream().filter(a -> a.id().equals(id)).findFirst();
    }
  }

  /**
   * A P4Runtime device.
   *
   * @param name the device's name (REST, logs, interface map)
   * @param host P4Runtime server host (default 127.0.0.1)
   * @param port P4Runtime server port; 0 with {@code embedded} = any free port (default 9559)
   * @param deviceId P4Runtime device id (default 1)
   * @param driver softswitch, bmv2 or tofino (default softswitch)
   * @param embedded start the software switch in this process (default false; only with driver softswitch)
     * @param ports port name → P4 port number
   * @param options driver options
   */
  public record Device(String name, String host, Integer port, @JsonProperty("device_id") Long deviceId,
      String driver, Boolean embedded, Map<String, Integer> ports,
      Map<String, String> options, @JsonProperty("table_sizes") Map<String, Integer> tableSizes) {
    public Device {
      name = requireText(Objects.requireNonNull(name, "devices[].name is required"), "devices[].name");
      String f = "devices[" + name + "].";
      host = host == null ? "127.0.0.1" : requireText(host, f + "host");
      embedded = embedded != null && embedded;
      port = checkPort(port, 9559, f + "port", embedded);
      deviceId = deviceId == null ? 1L : deviceId;
      if (deviceId < 0) {
        throw new IllegalArgumentException(f + "device_id: must not be negative");
      }
      driver = driver == null ? "softswitch" : requireText(driver, f + "driver");
      if (embedded && !driver.equals("softswitch")) {
        throw new IllegalArgumentException(f + "embedded: only the softswitch driver can run embedded, not "
            + driver);
      }
      if (embedded && !Loopback.is(host)) {
        throw new IllegalArgumentException(f + "host: an embedded switch listens on loopback only, not " + host);
      }
      ports = ports == null ? Map.of() : Map.copyOf(ports);
      for (var p : ports.entrySet()) {
        if (p.getValue() == null || p.getValue() < 0 || p.getValue() > 510) {
          throw new IllegalArgumentException(f + "ports." + p.getKey() + ": " + p.getValue() + " outside 0..510");
        }
      }
      options = options == null ? Map.of() : Map.copyOf(options);
      tableSizes = tableSizes == null ? Map.of() : Map.copyOf(tableSizes);
      if (!tableSizes.isEmpty() && !embedded) {
        throw new IllegalArgumentException(f + "table_sizes: only for an embedded switch (a target decides its own)");
      }
      for (var t : tableSizes.entrySet()) {
        if (!Set.of("acl", "flow_v4", "flow_v6").contains(t.getKey())) {
          throw new IllegalArgumentException(f + "table_sizes." + t.getKey() + ": no such table (acl, flow_v4, "
              + "flow_v6)");
        }
        if (t.getValue() == null || t.getValue() < 1) {
          throw new IllegalArgumentException(f + "table_sizes." + t.getKey() + ": must be at least 1");
        }
      }
    }
  }

  /** Where a host interface is on the fabric: a device and one of its named ports. */
  public record Attachment(String device, String port) {
    public Attachment {
      Objects.requireNonNull(device, "interfaces.*.device is required");
      Objects.requireNonNull(port, "interfaces.*.port is required");
    }
  }

  /**
   * Flow manager tuning.
   *
   * @param batchSize most updates per device write batch (default 512)
   * @param queueCapacity most flow events waiting for the writer before new ones are rejected (default 262144)
   * @param idleTimeout idle timeout written on flow entries (default 30 s)
   * @param activityInterval how often direct counters are read and activity sent to agents (default 10 s)
   * @param retryInitial first retry delay after a rejected offload (default 1 s)
   * @param retryMax longest retry delay (default 60 s)
   * @param retryLimit retries before a rejected flow is left in the kernel for good (default 5)
   * @param resyncGrace how long entries found on a device at start wait to be claimed by an agent (default 60 s)
   * @param maxFlows most flows tracked at once (default 1048576)
   */
  public record Flows(@JsonProperty("batch_size") Integer batchSize,
      @JsonProperty("queue_capacity") Integer queueCapacity,
      @JsonProperty("idle_timeout") Duration idleTimeout,
      @JsonProperty("activity_interval") Duration activityInterval,
      @JsonProperty("retry_initial") Duration retryInitial,
      @JsonProperty("retry_max") Duration retryMax,
      @JsonProperty("retry_limit") Integer retryLimit,
      @JsonProperty("resync_grace") Duration resyncGrace,
      @JsonProperty("max_flows") Integer maxFlows) {
    public Flows {
      batchSize = atLeast(batchSize, 512, 1, "flows.batch_size");
      queueCapacity = atLeast(queueCapacity, 262_144, 1, "flows.queue_capacity");
      idleTimeout = positive(idleTimeout, Duration.ofSeconds(30), "flows.idle_timeout");
      activityInterval = positive(activityInterval, Duration.ofSeconds(10), "flows.activity_interval");
      retryInitial = positive(retryInitial, Duration.ofSeconds(1), "flows.retry_initial");
      retryMax = positive(retryMax, Duration.ofSeconds(60), "flows.retry_max");
      if (retryMax.compareTo(retryInitial) < 0) {
        throw new IllegalArgumentException("flows.retry_max (" + retryMax + ") is shorter than flows.retry_initial ("
            + retryInitial + ")");
      }
      retryLimit = atLeast(retryLimit, 5, 0, "flows.retry_limit");
      resyncGrace = positive(resyncGrace, Duration.ofSeconds(60), "flows.resync_grace");
      maxFlows = atLeast(maxFlows, 1 << 20, 1, "flows.max_flows");
    }
  }

  /**
   * The ruleset applied when the controller starts.
   *
   * @param file nft text or JSON file; absent = the bundled example ruleset; "none" = start with no ruleset
   */
  public record RulesetSource(String file) {}
}
