package org.nftoffload.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private final ConfigLoader loader = new ConfigLoader();

  @Test
  void defaultConfigDescribesTheEmbeddedSetup() throws Exception {
    ControllerConfig c = loader.loadDefault();
    assertEquals("127.0.0.1", c.api().host());
    assertEquals(8181, c.api().port());
    assertEquals(9600, c.agents().port());
    assertEquals(1, c.devices().size());
    assertTrue(c.devices().getFirst().embedded());
    assertEquals("sw0", c.interfaces().get("wan0").device());
    assertEquals(Duration.ofSeconds(30), c.flows().idleTimeout());
  }

  @Test
  void emptyFileGivesEveryDefault() throws Exception {
    ControllerConfig c = loader.parse("empty", "");
    assertEquals("nftoffload", c.controllerId());
    assertEquals(512, c.flows().batchSize());
    assertEquals(Duration.ofSeconds(60), c.flows().resyncGrace());
    assertTrue(c.devices().isEmpty());
  }

  @Test
  void unknownKeysAreRefusedNamingTheKeyAndLine() {
    var e = assertThrows(ConfigException.class, () -> loader.parse("c.yaml", "api:\n  host: 127.0.0.1\n  prot: 1\n"));
    assertTrue(e.getMessage().matches("c\\.yaml:[34]: .*"), e.getMessage());
    assertTrue(e.getMessage().contains("'api.prot'"), e.getMessage());
  }

  @Test
  void invalidValuesAreRefusedNamingTheSetting() {
    var port = assertThrows(ConfigException.class, () -> loader.parse("c", "api: {port: 70000}"));
    assertTrue(port.getMessage().contains("api.port"), port.getMessage());
    var dur = assertThrows(ConfigException.class, () -> loader.parse("c", "flows: {idle_timeout: soon}"));
    assertTrue(dur.getMessage().contains("'soon' is not a duration"), dur.getMessage());
    var iface = assertThrows(ConfigException.class, () -> loader.parse("c",
        "devices: [{name: sw0, ports: {p1: 1}}]\ninterfaces: {eth0: {device: sw0, port: p9}}"));
    assertTrue(iface.getMessage().contains("interfaces.eth0.port"), iface.getMessage());
    var open = assertThrows(ConfigException.class, () -> loader.parse("c", "api: {host: 0.0.0.0}"));
    assertTrue(open.getMessage().contains("api.tokens: required"), open.getMessage());
    var role = assertThrows(ConfigException.class, () -> loader.parse("c",
        "api: {tokens: [{name: ops, token: t, role: root}]}"));
    assertTrue(role.getMessage().contains("root"), role.getMessage());
  }

  @Test
  void durationsInEveryForm() {
    assertEquals(Duration.ofMillis(500), ConfigLoader.duration("500ms"));
    assertEquals(Duration.ofMinutes(5), ConfigLoader.duration("5m"));
    assertEquals(Duration.ofHours(1), ConfigLoader.duration("1h"));
    assertEquals(Duration.ofSeconds(30), ConfigLoader.duration("PT30S"));
  }

  @Test
  void tokensAndRolesLoad() throws Exception {
    ControllerConfig c = loader.parse("c", """
        api:
          tokens:
            - {name: ops, token: s3cret, role: admin}
            - {name: grafana, token: r34d, role: read_only}
        agents:
          allowed:
            - {id: h1, token: a}
            - {id: h2, token: b, revoked: true}
        """);
    assertEquals(ControllerConfig.Role.READ_ONLY, c.api().tokens().get(1).role());
    assertTrue(c.agents().agent("h2").orElseThrow().revoked());
  }
}
