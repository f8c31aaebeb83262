package org.nftoffload.device;

import java.util.HashMap;
import java.util.Map;
import org.nftoffload.p4.FlowtablePipeline;
import org.onosproject.net.pi.model.PiTableModel;
import org.onosproject.net.pi.model.PiTableId;

/** Picks the driver a {@link DeviceSpec} names and builds it; unknown names fail listing the known ones. */
public final class Drivers {

  private Drivers() {}

  public static DeviceDriver create(DeviceSpec spec, FlowtablePipeline pipeline) {
    return switch (spec.driver()) {
      case SoftswitchDriver.NAME -> new SoftswitchDriver(spec, pipeline);
      case Bmv2Driver.NAME -> new Bmv2Driver(spec, pipeline);
      case TofinoDriver.NAME -> new TofinoDriver(spec, pipeline);
      default -> throw new IllegalArgumentException("device '" + spec.name() + "': unknown driver '" + spec.driver()
          + "' (known: " + SoftswitchDriver.NAME + ", " + Bmv2Driver.NAME + ", " + TofinoDriver.NAME + ")");
    };
  }

  /** Table sizes as the P4Info requests them. */
  static Map<PiTableId, Integer> p4InfoTableSizes(FlowtablePipeline pipeline) {
    Map<PiTableId, Integer> sizes = new HashMap<>();
    for (PiTableModel t : pipeline.model().tables()) {
      sizes.put(t.id(), (int) Math.min(Integer.MAX_VALUE, t.maxSize()));
    }
    return sizes;
  }
}
