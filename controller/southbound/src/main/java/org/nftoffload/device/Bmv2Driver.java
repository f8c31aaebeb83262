package org.nftoffload.device;

import java.util.Map;
import java.util.Set;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtablePipeline;

/**
 * BMv2 {@code simple_switch_grpc}: the device config is the BMv2 JSON that {@code p4c --target bmv2 --arch v1model}
 * compiles from {@code p4/flowtable.p4}, sent as is. Options: {@code bmv2_json} (path, required), {@code cpu_port}
 * (default {@link FlowtableP4#CPU_PORT}; must equal simple_switch_grpc's {@code --cpu-port}, and port numbers are
 * the {@code -i N@ifname} numbers). Idle timeouts and meters are supported by simple_switch; atomic writes are not.
 *
 * <p>Needs the real target: that BMv2 accepts the JSON (p4c cannot run here, so the JSON is an input), that idle
 * timeout notifications arrive, and that packet-in carries the ingress port as this pipeline declares. Tested here:
 * option checking and that the configured JSON is what is sent.
 */
public final class Bmv2Driver implements DeviceDriver {

  public static final String NAME = "bmv2";

  private final DeviceSpec spec;
  private final byte[] json;
  private final int cpuPort;
  private final Capabilities capabilities;

  public Bmv2Driver(DeviceSpec spec, FlowtablePipeline pipeline) {
    DriverOptions o = new DriverOptions(spec, Set.of("bmv2_json", "cpu_port"));
    this.spec = spec;
    this.json = o.file("bmv2_json");
    if (json.length == 0 || json[0] != '{') {
      throw new IllegalArgumentException("device '" + spec.name() + "': bmv2_json " + o.string("bmv2_json", "")
          + " is not a BMv2 JSON file (does not start with '{')");
    }
    this.cpuPort = o.integer("cpu_port", FlowtableP4.CPU_PORT, 0, 510);
    this.capabilities = new Capabilities(true, true, false, Drivers.p4InfoTableSizes(pipeline));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte[] deviceConfig() {
    return json.clone();
  }

  @Override
  public int cpuPort() {
    return cpuPort;
  }

  @Override
  public Map<String, Integer> ports() {
    return spec.ports();
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }
}
