package org.nftoffload.softswitch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The switch config as files spell it: YAML and JSON, defaults, and refusals that name the key at fault. */
class ConfigLoaderTest {

  @Test
  void yamlWithEverySetting() throws Exception {
    SoftSwitchConfig c = ConfigLoader.parse("""
        listen: "127.0.0.1:9559"
        device_id: 7
        aging_interval_ms: 20
        table_sizes: {acl: 10, flow_v4: 100}
        ports:
          - {number: 1, interface: veth0}
          - {number: 2, interface: eth1, namespace: lab}
        """, "test.yaml");
    assertEquals("127.0.0.1", c.host());
    assertEquals(9559, c.port());
    assertEquals(7, c.deviceId());
    assertEquals(20, c.agingIntervalMs());
    assertEquals(Map.of("acl", 10, "flow_v4", 100), c.tableSizes());
    assertEquals(List.of(new SoftSwitchConfig.PortConfig(1, "veth0", null),
        new SoftSwitchConfig.PortConfig(2, "eth1", "lab")), c.ports());
  }

  @Test
  void jsonAndDefaults() throws Exception {
    SoftSwitchConfig c = ConfigLoader.parse("{\"device_id\": 2}", "test.json");
    assertEquals(2, c.deviceId());
    assertEquals("127.0.0.1", c.host());
    assertEquals(0, c.port());
    assertEquals(50, c.agingIntervalMs());
    assertEquals(List.of(), c.ports());
    assertEquals(SoftSwitchConfig.defaults(), ConfigLoader.parse("", "empty"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "bogus: 1|test.yaml:1: unknown key \"bogus\"",
      "tableSizes: {acl: 1}|unknown key \"tableSizes\"",
      "ports: [{number: 1, interface: veth0, mtu: 9000}]|unknown key \"ports[0].mtu\"",
      "table_sizes: {flow_v5: 1}|unknown table \"flow_v5\"",
      "table_sizes: {acl: 0}|table_sizes.acl must be > 0",
      "ports: [{number: 255, interface: veth0}]|must be 0..511 and not the CPU port 255",
      "ports: [{number: 1}]|interface",
      "ports: [{number: 1, interface: a}, {number: 1, interface: b}]|port 1 is mapped twice",
      "listen: localhost|expected host:port",
      "aging_interval_ms: 500|aging_interval_ms must be 1..100",
      "device_id: [1]|device_id"})
  void refusalsNameTheKey(String text, String expected) {
    ConfigLoader.ConfigException e = assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.parse(text, "test.yaml"));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith("test.yaml:"), e.getMessage());
  }
}
