package org.nftoffload.device;

import java.util.Map;
import java.util.Set;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtablePipeline;

/**
 * The embedded software switch (module {@code drivers/softswitch}): runs the flowtable pipeline itself, so the
 * P4Info is all it needs and the device config is empty. Options: {@code cpu_port} (default
 * {@link FlowtableP4#CPU_PORT}). Supports idle timeouts and meters; writes are not atomic. Table sizes are the
 * P4Info's. Everything about this target can be tested on one machine.
 */
public final class SoftswitchDriver implements DeviceDriver {

  public static final String NAME = "softswitch";

  private final DeviceSpec spec;
  private final int cpuPort;
  private final Capabilities capabilities;

  public SoftswitchDriver(DeviceSpec spec, FlowtablePipeline pipeline) {
    DriverOptions o = new DriverOptions(spec, Set.of("cpu_port"));
    this.spec = spec;
    this.cpuPort = o.integer("cpu_port", FlowtableP4.CPU_PORT, 0, 510);
    this.capabilities = new Capabilities(true, true, false, Drivers.p4InfoTableSizes(pipeline));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte[] deviceConfig() {
    return new byte[0];
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
