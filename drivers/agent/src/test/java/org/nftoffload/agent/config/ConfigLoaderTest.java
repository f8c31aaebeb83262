package org.nftoffload.agent.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading the agent config: defaults, every section, and errors that name the line and key. */
class ConfigLoaderTest {

    @Test
    void fullConfigIsRead() throws Exception {
        AgentConfig c = ConfigLoader.parse("agent.yaml", """
                agent:
                  id: edge-1
                  namespace: router
                  token: s3cret
                controller:
                  address: 10.0.0.1:9559
                  initialBackoffMillis: 100
                  maxBackoffMillis: 1000
                  resyncChunk: 50
                selection:
                  mode: MARK_BIT
                  markMask: 0x80
                conntrack:
                  receiveBufferBytes: 1048576
                  refreshTimeoutSeconds: 60
                queue:
                  capacity: 10
                """);
        assertEquals("edge-1", c.agent().id());
        assertEquals("router", c.agent().namespace());
        assertEquals("10.0.0.1", c.controller().host());
        assertEquals(9559, c.controller().port());
        assertEquals(AgentConfig.Mode.MARK_BIT, c.selection().mode());
        assertEquals(0x80L, c.selection().markMask());
        assertEquals(60, c.conntrack().refreshTimeoutSeconds());
        assertEquals(10, c.queue().capacity());
    }

    @Test
    void representorsAreReadAndChecked() throws Exception {
        AgentConfig c = ConfigLoader.parse("agent.yaml", """
                representors:
                  - {device: sw0, port: 1, name: sw0p1}
                  - {device: sw0, port: 2, name: sw0p2}
                """);
        assertEquals(java.util.List.of(new AgentConfig.Representor("sw0", 1, "sw0p1"),
                new AgentConfig.Representor("sw0", 2, "sw0p2")), c.representors());
        assertEquals(java.util.List.of(), ConfigLoader.parse("empty", "").representors());

        ConfigException cpu = assertThrows(ConfigException.class, () -> ConfigLoader.parse("agent.yaml", """
                representors:
                  - {device: sw0, port: 255, name: cpu}
                """));
        assertTrue(cpu.getMessage().startsWith("agent.yaml:"), cpu.getMessage());
        assertTrue(cpu.getMessage().contains("CPU port 255"), cpu.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> ConfigLoader.parse("agent.yaml", """
                representors:
                  - {device: sw0, port: 1, name: sw0p1, mtu: 9000}
                """));
        assertTrue(unknown.getMessage().contains("mtu"), unknown.getMessage());
        ConfigException twice = assertThrows(ConfigException.class, () -> ConfigLoader.parse("agent.yaml", """
                representors:
                  - {device: sw0, port: 1, name: a}
                  - {device: sw0, port: 2, name: a}
                """));
        assertTrue(twice.getMessage().contains("used twice"), twice.getMessage());
    }

    @Test
    void emptyConfigTakesTheDefaults() throws Exception {
        AgentConfig c = ConfigLoader.parse("empty", "");
        assertEquals("", c.agent().namespace());
        assertEquals("127.0.0.1:9600", c.controller().address());
        assertEquals(AgentConfig.Mode.OFFLOAD_BIT, c.selection().mode());
        assertEquals(300, c.conntrack().refreshTimeoutSeconds());
        assertEquals(65_536, c.queue().capacity());
        assertEquals(c, ConfigLoader.parse("json", "{\"selection\": {}}").withAgentId(c.agent().id()));
    }

    @Test
    void unknownKeyIsRejectedWithLineAndKnownKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("agent.yaml", """
                agent:
                  id: a
                conntrack:
                  refreshTimeout: 5
                """));
        assertTrue(e.getMessage().startsWith("agent.yaml:4:"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key \"conntrack.refreshTimeout\""), e.getMessage());
        assertTrue(e.getMessage().contains("refreshTimeoutSeconds"), e.getMessage());
    }

    @Test
    void badValuesNameTheKey() {
        ConfigException port = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("c", "controller:\n  address: localhost\n"));
        assertTrue(port.getMessage().contains("controller.address must be host:port"), port.getMessage());
        ConfigException mode = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("c", "selection:\n  mode: SOMETIMES\n"));
        assertTrue(mode.getMessage().startsWith("c:2:") && mode.getMessage().contains("selection.mode"), mode.getMessage());
        ConfigException negative = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("c", "queue:\n  capacity: -1\n"));
        assertTrue(negative.getMessage().contains("queue.capacity must be positive"), negative.getMessage());
        ConfigException backoff = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("c", "controller:\n  initialBackoffMillis: 5000\n  maxBackoffMillis: 10\n"));
        assertTrue(backoff.getMessage().contains("below controller.initialBackoffMillis"), backoff.getMessage());
    }
}
