package org.nftoffload.device;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.nftoffload.p4.FlowtablePipeline;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.nftoffload.p4runtime.ClientConfig;
import org.nftoffload.p4runtime.CodecException;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.Scheduler;

/**
 * The devices this controller drives, from config: for each {@link DeviceSpec} it builds the driver, opens a
 * P4Runtime client with the manager-wide settings and starts the {@link Device} (connect, pipeline when primary,
 * reconciliation on connect and every period). Names and (address, device id) pairs must be unique.
 */
public final class DeviceManager implements AutoCloseable {

  private final FlowtablePipeline pipeline;
  private final ManagerConfig config;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final Map<String, Device> devices = new LinkedHashMap<>();

  public DeviceManager(FlowtablePipeline pipeline, ManagerConfig config, Scheduler scheduler, RandomGenerator random) {
    this.pipeline = pipeline;
    this.config = config;
    this.scheduler = scheduler;
    this.random = random;
  }

  /** Adds and starts a device with nothing desired yet; see {@link #add(DeviceSpec, List)}. */
  public Device add(DeviceSpec spec) {
    return add(spec, List.of());
  }

  /**
   * Adds and starts a device whose desired state starts as {@code initial}: a restarting controller seeds what it
   * knows (from its store or the agents' resync) so that the first reconciliation leaves correct entries alone
   * instead of deleting everything it has not been told about yet. Fails, changing nothing, on a duplicate, a bad
   * driver config or an initial entry the pipeline cannot express.
   */
  public synchronized Device add(DeviceSpec spec, List<PiTableEntry> initial) {
    if (devices.containsKey(spec.name())) {
      throw new IllegalArgumentException("device '" + spec.name() + "' is already managed");
    }
    for (Device d : devices.values()) {
      if (d.spec().address().equals(spec.address()) && d.spec().deviceId() == spec.deviceId()) {
        throw new IllegalArgumentException("device '" + spec.name() + "': " + spec.address() + " device id "
            + spec.deviceId() + " is already managed as '" + d.name() + "'");
      }
    }
    DeviceDriver driver = Drivers.create(spec, pipeline);
    ClientConfig c = new ClientConfig(spec.host(), spec.port(), spec.deviceId(), config.electionId(),
        config.roleId(), config.rpcDeadline(), ClientConfig.of(spec.host(), spec.port(), 0).keepAliveTime(),
        ClientConfig.of(spec.host(), spec.port(), 0).keepAliveTimeout(), config.writeBatchSize(),
        config.batchesInFlight(), config.backoff(), config.tlsTrustCertificates());
    byte[] deviceConfig = driver.deviceConfig();
    P4RuntimeClient client = P4RuntimeClient.create(c, pipeline.p4Info(), scheduler, random);
    Device device = new Device(spec, driver, client, config, scheduler,
        P4RuntimeClient.cookieFor(pipeline.p4Info(), deviceConfig));
    try {
      device.seed(initial);
    } catch (CodecException e) {
      client.close();
      throw new IllegalArgumentException("device '" + spec.name() + "': initial entry: " + e.getMessage(), e);
    }
    devices.put(spec.name(), device);
    device.start();
    return device;
  }

  public synchronized Optional<Device> device(String name) {
    return Optional.ofNullable(devices.get(name));
  }

  public synchronized List<Device> devices() {
    return new ArrayList<>(devices.values());
  }

  public synchronized boolean remove(String name) {
    Device d = devices.remove(name);
    if (d != null) {
      d.close();
    }
    return d != null;
  }

  @Override
  public synchronized void close() {
    devices.values().forEach(Device::close);
    devices.clear();
  }
}
