package org.nftoffload.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.TestP4Info;

class DriversTest {

  private final FlowtablePipeline pipeline = TestP4Info.pipeline();

  private static DeviceSpec spec(String driver, Map<String, String> options) {
    return new DeviceSpec("sw1", "127.0.0.1", 9559, 1, driver, Map.of("eth1", 1), options);
  }

  @Test
  void softswitchDefaultsAndCapabilities() {
    DeviceDriver d = Drivers.create(spec("softswitch", Map.of()), pipeline);
    assertEquals(FlowtableP4.CPU_PORT, d.cpuPort());
    assertEquals(0, d.deviceConfig().length);
    assertEquals(1, d.portNumber("eth1").orElseThrow());
    assertEquals("eth1", d.portName(1).orElseThrow());
    assertTrue(d.capabilities().idleTimeout());
    assertTrue(d.capabilities().tableSize(FlowtableP4.FlowV4.TABLE.id()).getAsInt() > 0,
        "table sizes come from the P4Info");
  }

  @Test
  void unknownDriversAndOptionsAreRefusedNamingTheDevice() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Drivers.create(spec("softswitch", Map.of("cpuport", "3")), pipeline));
    assertTrue(e.getMessage().contains("sw1") && e.getMessage().contains("cpuport"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Drivers.create(spec("p4dpdk", Map.of()), pipeline));
    assertThrows(IllegalArgumentException.class,
        () -> Drivers.create(spec("softswitch", Map.of("cpu_port", "511")), pipeline));
  }

  @Test
  void bmv2SendsTheConfiguredJson(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("flowtable.json");
    Files.writeString(json, "{\"program\": \"flowtable.p4\"}");
    DeviceDriver d = Drivers.create(spec("bmv2", Map.of("bmv2_json", json.toString(), "cpu_port", "64")), pipeline);
    assertArrayEquals(Files.readAllBytes(json), d.deviceConfig());
    assertEquals(64, d.cpuPort());
    assertThrows(IllegalArgumentException.class, () -> Drivers.create(spec("bmv2", Map.of()), pipeline));
    Path notJson = dir.resolve("x.bin");
    Files.write(notJson, new byte[] {0, 1});
    assertThrows(IllegalArgumentException.class,
        () -> Drivers.create(spec("bmv2", Map.of("bmv2_json", notJson.toString())), pipeline));
  }

  @Test
  void tofinoPackagesStratumsBfPipelineConfig(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("bf-rt.json"), "{\"tables\":[]}");
    Files.writeString(dir.resolve("context.json"), "{\"ctx\":1}");
    Files.write(dir.resolve("tofino.bin"), new byte[] {(byte) 0xca, (byte) 0xfe, 0, 1});
    Map<String, String> o = new HashMap<>(Map.of("bfrt_json", dir.resolve("bf-rt.json").toString(),
        "context_json", dir.resolve("context.json").toString(), "tofino_bin", dir.resolve("tofino.bin").toString(),
        "cpu_port", "192", "pipe_scope", "0, 1"));
    DeviceDriver d = Drivers.create(spec("tofino", o), pipeline);
    assertEquals(192, d.cpuPort());
    // Decode by the field numbers of stratum.hal.barefoot.BfPipelineConfig.
    CodedInputStream in = CodedInputStream.newInstance(d.deviceConfig());
    Map<Integer, byte[]> top = new HashMap<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      top.put(tag >>> 3, in.readByteArray());
    }
    assertEquals("flowtable", new String(top.get(1), StandardCharsets.UTF_8));
    assertEquals("{\"tables\":[]}", new String(top.get(2), StandardCharsets.UTF_8));
    CodedInputStream p = CodedInputStream.newInstance(top.get(3));
    Map<Integer, byte[]> profile = new HashMap<>();
    List<Integer> scope = new ArrayList<>();
    for (int tag = p.readTag(); tag != 0; tag = p.readTag()) {
      if (tag >>> 3 == 4) {
        int limit = p.pushLimit(p.readRawVarint32());
        while (!p.isAtEnd()) {
          scope.add(p.readUInt32());
        }
        p.popLimit(limit);
      } else {
        profile.put(tag >>> 3, p.readByteArray());
      }
    }
    assertEquals("pipe", new String(profile.get(1), StandardCharsets.UTF_8));
    assertEquals("{\"ctx\":1}", new String(profile.get(2), StandardCharsets.UTF_8));
    assertArrayEquals(new byte[] {(byte) 0xca, (byte) 0xfe, 0, 1}, profile.get(3));
    assertEquals(List.of(0, 1), scope);

    o.remove("cpu_port");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Drivers.create(spec("tofino", o), pipeline));
    assertTrue(e.getMessage().contains("cpu_port"), e.getMessage());
  }

  @Test
  void deviceSpecRejectsBadPortMaps() {
    assertThrows(IllegalArgumentException.class, () -> new DeviceSpec("s", "h", 1, 1, "softswitch",
        Map.of("a", 1, "b", 1), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new DeviceSpec("s", "h", 1, 1, "softswitch",
        Map.of("a", 600), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new DeviceSpec("s", "", 1, 1, "softswitch", Map.of(),
        Map.of()));
  }
}
