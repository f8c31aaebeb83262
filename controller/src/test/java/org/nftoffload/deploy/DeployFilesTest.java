package org.nftoffload.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.config.ConfigLoader;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.device.Bmv2Driver;
import org.nftoffload.device.DeviceDriver;
import org.nftoffload.device.DeviceSpec;
import org.nftoffload.device.Drivers;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.plan.OffloadPolicy;
import org.nftoffload.plan.Plan;
import org.nftoffload.ruleset.RulesetService;

/**
 * Keeps the files in {@code deploy/} true to the code: every controller config there loads with the real
 * {@link ConfigLoader}, its ruleset parses and plans for each device with the controller's own ruleset service, and
 * each device's driver is built from its options; every agent config loads with the agent's loader and matches the
 * controller config beside it (token, port, refresh timeout); the Kubernetes manifests agree with the configs they
 * mount (ports, paths, probes, names); the container files and systemd units name jars the build really makes.
 * Paths under {@code /etc/nftoffload/} are read from the directory of the config that names them (where the example
 * files sit in the repository); driver files that only exist on a real installation (the p4c outputs) are stand-ins.
 */
class DeployFilesTest {

  private static final Path TOP = top();
  private static final Path DEPLOY = TOP.resolve("deploy");
  private static final String INSTALLED = "/etc/nftoffload/";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** What a YAML file under deploy/ is. */
  private enum Kind { CONTROLLER, AGENT, MANIFEST }

  /** The checkout's top directory: the tests run in the controller module, somewhere below it. */
  private static Path top() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("pom.xml"))
          && Files.isDirectory(p.resolve("controller"))) {
        return p;
      }
    }
    throw new IllegalStateException("no deploy/ above " + Path.of("").toAbsolutePath());
  }

  /** Every YAML file of deploy/ but the lab's (the lab writes and checks its own). */
  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> s = Files.walk(DEPLOY)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !DEPLOY.relativize(p).startsWith("lab"))
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted().toList();
    }
  }

  private static Kind kind(Path file) throws IOException {
    JsonNode first = documents(file).stream().findFirst().orElse(null);
    if (first != null && first.has("apiVersion") && first.has("kind")) {
      return Kind.MANIFEST;
    }
    String name = file.getFileName().toString();
    if (name.startsWith("controller")) {
      return Kind.CONTROLLER;
    }
    if (name.startsWith("agent")) {
      return Kind.AGENT;
    }
    throw new AssertionError(rel(file) + " is neither a Kubernetes manifest nor a controller*/agent* config, so "
        + "nothing checks it: name it controller*.yaml or agent*.yaml");
  }

  static List<Path> controllerConfigs() throws IOException {
    return ofKind(Kind.CONTROLLER);
  }

  static List<Path> agentConfigs() throws IOException {
    return ofKind(Kind.AGENT);
  }

  private static List<Path> ofKind(Kind k) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : yamlFiles()) {
      if (kind(p) == k) {
        out.add(p);
      }
    }
    return out;
  }

  private static String rel(Path p) {
    return TOP.relativize(p).toString();
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode n = (JsonNode) it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  /** The config's text with installed paths pointing at the files beside it in the repository. */
  private static String localized(Path file) throws IOException {
    return Files.readString(file).replace(INSTALLED, file.toAbsolutePath().getParent() + "/");
  }

  private static ControllerConfig loadController(Path file) throws Exception {
    return new ConfigLoader().parse(rel(file), localized(file));
  }

  private static AgentConfig loadAgent(Path file) throws Exception {
    return org.nftoffload.agent.config.ConfigLoader.parse(rel(file), localized(file));
  }

  // ------------------------------------------------------------------------------------------------------ files

  @Test
  void everyConfigDirectoryHoldsAControllerAndAnAgentConfig() throws IOException {
    Set<Path> controllerDirs = new TreeSet<>();
    Set<Path> agentDirs = new TreeSet<>();
    for (Path p : yamlFiles()) {
      switch (kind(p)) {
        case CONTROLLER -> controllerDirs.add(p.getParent());
        case AGENT -> agentDirs.add(p.getParent());
        case MANIFEST -> { }
      }
    }
    // the two places operators copy from: plain installs (systemd, containers) and Kubernetes
    Set<Path> expected = new TreeSet<>(List.of(DEPLOY.resolve("config"), DEPLOY.resolve("k8s/config")));
    assertEquals(expected, controllerDirs, "directories with controller configs");
    assertEquals(expected, agentDirs, "directories with agent configs");
  }

  // ------------------------------------------------------------------------------------------------ controller

  @ParameterizedTest(name = "{0}")
  @MethodSource("controllerConfigs")
  void controllerConfigLoadsPlansItsRulesetAndBuildsItsDrivers(Path file, @TempDir Path standIns) throws Exception {
    ControllerConfig config = loadController(file);
    assertFalse(config.devices().isEmpty(), rel(file) + ": no devices");
    String rulesetFile = config.ruleset().file();
    assertTrue(rulesetFile != null && !rulesetFile.equals("none"), rel(file) + ": ruleset.file must name the "
        + "router's ruleset (absent means the bundled example)");
    assertTrue(Files.readString(file).contains("file: " + INSTALLED), rel(file) + ": ruleset.file is not under "
        + INSTALLED + " where the units and manifests install it");

    // the dry run of the ruleset service: parse, validate and plan per device, touching no device and no agent
    String[] source = RulesetService.initialSource(config.ruleset()).orElseThrow();
    Map<String, Plan> plans = new RulesetService(config, null, null, Clock.systemUTC()).plan(source[0], source[1])
        .next().plans();
    assertEquals(config.devices().size(), plans.size(), rel(file) + ": a plan per device");
    for (var e : plans.entrySet()) {
      List<OffloadPolicy> offload = e.getValue().offload();
      assertFalse(offload.isEmpty(), rel(file) + ": the ruleset offloads nothing to device " + e.getKey()
          + " (no `flow add @ft` rule)");
      for (OffloadPolicy p : offload) {
        Set<String> unknown = new TreeSet<>(p.devices());
        unknown.removeAll(config.interfaces().keySet());
        assertTrue(unknown.isEmpty(), rel(file) + ": flowtable " + p.flowtable() + " devices " + unknown
            + " are not in `interfaces`, so their connections would never be offloaded");
      }
    }

    FlowtablePipeline pipeline = FlowtablePipeline.load();
    for (ControllerConfig.Device d : config.devices()) {
      DeviceDriver driver;
      try {
        driver = Drivers.create(new DeviceSpec(d.name(), d.host(), d.port(), d.deviceId(), d.driver(), d.ports(),
            withStandIns(d.options(), standIns)), pipeline);
      } catch (IllegalArgumentException ex) {
        throw new AssertionError(rel(file) + ": " + ex.getMessage(), ex);
      }
      assertFalse(driver.ports().containsValue(driver.cpuPort()), rel(file) + ": device " + d.name()
          + " uses its CPU port " + driver.cpuPort() + " as a data port: " + driver.ports());
      if (driver.name().equals(Bmv2Driver.NAME)) {
        // the v1model program compiles its CPU port in; simple_switch_grpc --cpu-port must be the same number
        assertEquals(FlowtableP4.CPU_PORT, driver.cpuPort(), rel(file) + ": device " + d.name() + " cpu_port");
      }
    }
  }

  /** Driver options naming files that exist only on a real installation (compiler outputs) get stand-in files. */
  private static Map<String, String> withStandIns(Map<String, String> options, Path dir) throws IOException {
    Map<String, String> out = new HashMap<>(options);
    for (var e : options.entrySet()) {
      if (e.getValue().startsWith("/") && !Files.exists(Path.of(e.getValue()))) {
        Path f = dir.resolve(e.getKey());
        Files.writeString(f, "{\"stand-in for\": \"" + e.getKey() + "\"}");
        out.put(e.getKey(), f.toString());
      }
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------------------- agent

  @ParameterizedTest(name = "{0}")
  @MethodSource("agentConfigs")
  void agentConfigLoadsAndMatchesTheControllerConfigsBesideIt(Path file) throws Exception {
    AgentConfig agent = loadAgent(file);
    assertFalse(agent.agent().token().isEmpty(), rel(file) + ": agent.token is required by a controller that "
        + "listens beyond loopback");
    boolean explicitId = documents(file).getFirst().path("agent").hasNonNull("id");
    List<Path> controllers;
    try (Stream<Path> s = Files.list(file.getParent())) {
      controllers = s.filter(p -> p.getFileName().toString().startsWith("controller")).sorted().toList();
    }
    assertFalse(controllers.isEmpty(), rel(file) + ": no controller config beside it");
    for (Path c : controllers) {
      ControllerConfig controller = loadController(c);
      String where = rel(file) + " vs " + rel(c) + ": ";
      assertEquals(controller.agents().port(), agent.controller().port(), where + "controller.address port "
          + "must be the controller's agents.port");
      List<ControllerConfig.AgentToken> accepted = controller.agents().allowed().stream()
          .filter(a -> !a.revoked() && a.token().equals(agent.agent().token()))
          .filter(a -> !explicitId || a.id().equals(agent.agent().id()))
          .toList();
      assertFalse(accepted.isEmpty(), where + "agents.allowed has no entry " + (explicitId ? "with id '"
          + agent.agent().id() + "' and " : "with ") + "this agent's token");
      // the agent refreshes the kernel's conntrack timeout when the controller reports activity, once per
      // activity_interval: a shorter timeout would let busy offloaded connections expire in the kernel
      assertTrue(agent.conntrack().refreshTimeoutSeconds() > controller.flows().activityInterval().toSeconds(),
          where + "conntrack.refreshTimeoutSeconds (" + agent.conntrack().refreshTimeoutSeconds()
              + ") must exceed flows.activity_interval (" + controller.flows().activityInterval() + ")");
    }
  }

  // ------------------------------------------------------------------------------------------------ kubernetes

  @Test
  void kubernetesManifestsAgreeWithTheConfigsTheyMount() throws Exception {
    Path k8s = DEPLOY.resolve("k8s");
    JsonNode kustomization = documents(k8s.resolve("kustomization.yaml")).getFirst();
    String namespace = kustomization.path("namespace").asText();
    assertFalse(namespace.isEmpty(), "kustomization.yaml: namespace");

    // generated objects: name -> the one file each holds
    Map<String, Path> secrets = generated(k8s, kustomization.path("secretGenerator"));
    Map<String, Path> configMaps = generated(k8s, kustomization.path("configMapGenerator"));
    Map<String, JsonNode> objects = new LinkedHashMap<>();
    for (JsonNode r : kustomization.path("resources")) {
      Path f = k8s.resolve(r.asText());
      assertTrue(Files.isRegularFile(f), "kustomization.yaml: resource " + r.asText() + " missing");
      for (JsonNode doc : documents(f)) {
        objects.put(doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText(), doc);
      }
    }

    JsonNode deployment = object(objects, "Deployment/nftoffload-controller");
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    Map<String, Path> mounted = mountedFiles(pod, container, secrets, configMaps, "controller");
    List<String> args = texts(container.path("args"));
    assertEquals("serve", args.getFirst(), "controller container args");
    Path controllerFile = mounted.get(args.get(1));
    assertNotNull(controllerFile, "the controller's config " + args.get(1) + " is not a mounted generated file: "
        + mounted.keySet());
    ControllerConfig controller = loadController(controllerFile);
    assertTrue(mounted.containsKey(controller.ruleset().file().replace(controllerFile.getParent() + "/",
        INSTALLED)), "ruleset.file " + controller.ruleset().file() + " is not mounted: " + mounted.keySet());
    for (String host : List.of(controller.api().host(), controller.agents().host())) {
      assertFalse(loopback(host), rel(controllerFile) + ": a pod listening on loopback (" + host
          + ") cannot be probed or reached by the Service");
    }
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    assertEquals(controller.api().port(), ports.get("api"), "containerPort api = api.port");
    assertEquals(controller.agents().port(), ports.get("agents"), "containerPort agents = agents.port");

    JsonNode openApi = openApi();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode get = container.path(probe).path("httpGet");
      assertEquals("api", get.path("port").asText(), probe + " port");
      JsonNode route = openApi.path("paths").path(get.path("path").asText()).path("get");
      assertFalse(route.isMissingNode(), probe + " path " + get.path("path").asText() + " is not a route");
      assertTrue(route.path("security").isArray() && route.path("security").isEmpty(), probe + " path "
          + get.path("path").asText() + " needs a token, which the kubelet does not send");
    }
    assertEquals("/api/v1/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText());

    JsonNode service = object(objects, "Service/nftoffload-controller");
    assertEquals(deployment.path("spec").path("selector").path("matchLabels"), service.path("spec").path("selector"),
        "the Service selects the controller's pods");
    int agentServicePort = -1;
    for (JsonNode p : service.path("spec").path("ports")) {
      assertTrue(ports.containsKey(p.path("targetPort").asText()), "Service targetPort " + p.path("targetPort"));
      if (p.path("targetPort").asText().equals("agents")) {
        agentServicePort = p.path("port").asInt();
      }
    }

    JsonNode daemonSet = object(objects, "DaemonSet/nftoffload-agent");
    JsonNode agentPod = daemonSet.path("spec").path("template").path("spec");
    assertTrue(agentPod.path("hostNetwork").asBoolean(), "the agent watches the node's conntrack: hostNetwork");
    assertEquals("ClusterFirstWithHostNet", agentPod.path("dnsPolicy").asText(),
        "with hostNetwork only ClusterFirstWithHostNet resolves the controller's Service name");
    JsonNode agentContainer = agentPod.path("containers").get(0);
    assertTrue(texts(agentContainer.path("securityContext").path("capabilities").path("add")).contains("NET_ADMIN"),
        "the agent needs NET_ADMIN for conntrack over netlink");
    Map<String, Path> agentMounted = mountedFiles(agentPod, agentContainer, secrets, configMaps, "agent");
    List<String> agentArgs = texts(agentContainer.path("args"));
    assertEquals("--config", agentArgs.getFirst(), "agent container args");
    Path agentFile = agentMounted.get(agentArgs.get(1));
    assertNotNull(agentFile, "the agent's config " + agentArgs.get(1) + " is not a mounted generated file: "
        + agentMounted.keySet());
    AgentConfig agent = loadAgent(agentFile);
    assertEquals(service.path("metadata").path("name").asText() + "." + namespace + ".svc:" + agentServicePort,
        agent.controller().address(), rel(agentFile) + ": controller.address must be the Service's agents port");
  }

  /** Generator name -> the file it holds (every generator here holds one file, checked to exist). */
  private static Map<String, Path> generated(Path k8s, JsonNode generators) {
    Map<String, Path> out = new HashMap<>();
    for (JsonNode g : generators) {
      List<String> files = texts(g.path("files"));
      assertEquals(1, files.size(), "generator " + g.path("name").asText() + ": one file");
      Path f = k8s.resolve(files.getFirst());
      assertTrue(Files.isRegularFile(f), "generator " + g.path("name").asText() + ": " + f + " missing");
      out.put(g.path("name").asText(), f);
    }
    return out;
  }

  /**
   * The files a container sees, by their path in the container, for the generated Secrets and ConfigMaps it mounts.
   * A ConfigMap or Secret that is mounted but not generated must be explained in deploy/README.md (the operator
   * creates it).
   */
  private static Map<String, Path> mountedFiles(JsonNode pod, JsonNode container, Map<String, Path> secrets,
      Map<String, Path> configMaps, String what) throws IOException {
    String readme = Files.readString(DEPLOY.resolve("README.md"));
    Map<String, String> mountPaths = new HashMap<>();
    container.path("volumeMounts").forEach(m -> mountPaths.put(m.path("name").asText(),
        m.path("mountPath").asText()));
    Map<String, Path> out = new HashMap<>();
    for (JsonNode v : pod.path("volumes")) {
      String at = mountPaths.get(v.path("name").asText());
      assertNotNull(at, what + ": volume " + v.path("name").asText() + " is not mounted");
      List<JsonNode> sources = new ArrayList<>();
      if (v.has("projected")) {
        v.path("projected").path("sources").forEach(sources::add);
      } else {
        sources.add(v);
      }
      for (JsonNode s : sources) {
        for (String type : List.of("secret", "configMap")) {
          if (!s.has(type)) {
            continue;
          }
          JsonNode ref = s.path(type);
          String name = ref.path(type.equals("secret") && ref.has("secretName") ? "secretName" : "name").asText();
          Path file = (type.equals("secret") ? secrets : configMaps).get(name);
          if (file == null) {
            assertTrue(readme.contains(name), what + ": " + type + " " + name + " is neither generated by "
                + "kustomization.yaml nor explained in deploy/README.md");
            continue;
          }
          String key = file.getFileName().toString();
          String path = key;
          for (JsonNode item : ref.path("items")) {
            assertEquals(key, item.path("key").asText(), what + ": " + type + " " + name + " has no key "
                + item.path("key").asText());
            path = item.path("path").asText();
          }
          out.put(at + "/" + path, file);
        }
      }
    }
    return out;
  }

  private static boolean loopback(String host) {
    if (host.equals("localhost")) {
      return true;
    }
    try {
      return java.net.InetAddress.ofLiteral(host).isLoopbackAddress();
    } catch (IllegalArgumentException notALiteral) {
      return false;
    }
  }

  private static JsonNode object(Map<String, JsonNode> objects, String key) {
    JsonNode n = objects.get(key);
    assertNotNull(n, key + " missing from the kustomization's resources: " + objects.keySet());
    return n;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static JsonNode openApi() throws IOException {
    try (InputStream in = org.nftoffload.api.ApiServer.class.getResourceAsStream("openapi.json")) {
      assertNotNull(in, "openapi.json resource of the REST API");
      return new ObjectMapper().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  // ------------------------------------------------------------------------------------- containers and systemd

  @Test
  void containerFilesAndUnitsNameModulesAndJarsTheBuildMakes() throws IOException {
    Pattern module = Pattern.compile("-pl (\\S+)");
    Pattern copiedJar = Pattern.compile("cp (\\S+)/target/(\\S+)\\.jar");
    Pattern runJar = Pattern.compile("/opt/nftoffload/\\w+/([\\w.-]+)\\.jar");
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(DEPLOY.resolve("container"))) {
      s.filter(p -> p.getFileName().toString().endsWith("Dockerfile")).sorted().forEach(files::add);
    }
    assertEquals(2, files.size(), "a Dockerfile for the controller and one for the agent: " + files);
    Set<String> finalNames = new TreeSet<>();
    for (Path f : files) {
      String text = Files.readString(f);
      Matcher m = module.matcher(text);
      assertTrue(m.find(), rel(f) + ": builds no module (-pl)");
      Path pom = TOP.resolve(m.group(1)).resolve("pom.xml");
      assertTrue(Files.isRegularFile(pom), rel(f) + ": no module " + m.group(1));
      Matcher jar = copiedJar.matcher(text);
      assertTrue(jar.find(), rel(f) + ": copies no jar");
      assertEquals(m.group(1), jar.group(1), rel(f) + ": copies the jar of another module than it builds");
      assertEquals(Optional.of(jar.group(2)), finalName(pom), rel(f) + ": jar name vs <finalName> of " + rel(pom));
      finalNames.add(jar.group(2));
      assertTrue(text.contains("--enable-native-access=ALL-UNNAMED"), rel(f) + ": --enable-native-access");
      Matcher run = runJar.matcher(text);
      assertTrue(run.find() && run.group(1).equals(jar.group(2)), rel(f) + ": runs another jar than it copies");
    }
    try (Stream<Path> s = Files.list(DEPLOY.resolve("systemd"))) {
      for (Path unit : s.filter(p -> p.getFileName().toString().startsWith("nftoffload-"))
          .filter(p -> p.getFileName().toString().endsWith(".service")).sorted().toList()) {
        Matcher run = runJar.matcher(Files.readString(unit));
        assertTrue(run.find(), rel(unit) + ": runs no jar");
        do {
          assertTrue(finalNames.contains(run.group(1)), rel(unit) + ": " + run.group(1) + ".jar is not built");
        } while (run.find());
        assertTrue(Files.readString(unit).contains("--enable-native-access=ALL-UNNAMED"),
            rel(unit) + ": --enable-native-access");
      }
    }
  }

  private static Optional<String> finalName(Path pom) throws IOException {
    Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(pom));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  @Test
  void standInsOnlyReplaceMissingFiles(@TempDir Path dir) throws IOException {
    // guards the helper the driver check relies on: a file that exists is read as it is
    Path real = Files.writeString(dir.resolve("real.json"), "{}");
    Path standIns = Files.createDirectory(dir.resolve("stand-ins"));
    Map<String, String> out = withStandIns(Map.of("a", real.toString(), "b", "/no/such/file.json", "c", "255"),
        standIns);
    assertEquals(real.toString(), out.get("a"));
    assertEquals("255", out.get("c"));
    assertEquals(standIns.resolve("b").toString(), out.get("b"));
    assertTrue(Files.readString(standIns.resolve("b")).startsWith("{"), "a BMv2 JSON stand-in starts with '{'");
  }
}
