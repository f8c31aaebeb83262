package org.nftoffload.softswitch;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import org.nftoffload.softswitch.p4runtime.P4InfoIndex;
import org.nftoffload.softswitch.p4runtime.P4RuntimeService;
import org.nftoffload.softswitch.pipeline.Pipeline;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.pipeline.TableStore;
import org.nftoffload.softswitch.port.Port;
import org.nftoffload.softswitch.port.RawSocketPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import p4.config.v1.P4InfoOuterClass.P4Info;

/**
 * The embedded software switch: a P4Runtime gRPC server on top of the flowtable pipeline, with its ports. Start
 * one in-process with {@link #start(SoftSwitchConfig)} (the controller's default target) or from the command
 * line; {@link #address()} is where it listens, {@link #close()} stops it and releases its ports.
 */
public final class SoftSwitch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SoftSwitch.class);

  private final SoftSwitchConfig config;
  private final SwitchDevice device;
  private final P4RuntimeService service;
  private final Server server;
  private final ScheduledExecutorService aging;

  private SoftSwitch(SoftSwitchConfig config, SwitchDevice device, P4RuntimeService service, Server server,
      ScheduledExecutorService aging) {
    this.config = config;
    this.device = device;
    this.service = service;
    this.server = server;
    this.aging = aging;
  }

  /** Starts a switch on the system clock with the ports of {@code config}. */
  public static SoftSwitch start(SoftSwitchConfig config) throws IOException {
    return start(config, InstantSource.system(), List.of());
  }

  /**
   * Starts a switch.
   *
   * @param config listen address, device id, table sizes, Linux port map
   * @param clock the clock of meters and idle timeouts (tests pass a fake one)
   * @param extraPorts ports besides the config's port map (e.g. {@link org.nftoffload.softswitch.port.InMemoryPort})
   */
  public static SoftSwitch start(SoftSwitchConfig config, InstantSource clock, List<Port> extraPorts)
      throws IOException {
    P4Info p4Info = FlowtablePipeline.load().p4Info();
    P4InfoIndex index = new P4InfoIndex(p4Info);
    Map<TableKind, Integer> capacities = new EnumMap<>(TableKind.class);
    for (TableKind kind : TableKind.values()) {
      String alias = index.table(kind).table().getPreamble().getAlias();
      capacities.put(kind, config.tableSizes().getOrDefault(alias, index.size(kind)));
    }
    Pipeline pipeline = new Pipeline(new TableStore(capacities),
        Math.min(index.counterSize(P4InfoIndex.CounterKind.RX_PORT), index.counterSize(P4InfoIndex.CounterKind.TX_PORT)),
        index.counterSize(P4InfoIndex.CounterKind.PUNT), () -> SwitchDevice.nanos(clock.instant()));
    SwitchDevice device = new SwitchDevice(pipeline, clock);
    P4RuntimeService service = new P4RuntimeService(config.deviceId(), device, p4Info);
    List<Port> opened = new ArrayList<>();
    Server server = null;
    try {
      for (SoftSwitchConfig.PortConfig pc : config.ports()) {
        opened.add(RawSocketPort.open(pc.number(), pc.iface(), pc.namespace()));
      }
      opened.addAll(extraPorts);
      server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
          .addService(service).maxInboundMessageSize(64 << 20).build().start();
      for (Port p : opened) {
        device.attach(p);
      }
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.shutdownNow();
      }
      opened.forEach(Port::close);
      throw e;
    }
    ScheduledExecutorService aging = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "softswitch-aging");
      t.setDaemon(true);
      return t;
    });
    aging.scheduleAtFixedRate(() -> {
      try {
        service.idleTimeout(device.collectIdle());
      } catch (RuntimeException e) {
        log.warn("idle-timeout scan failed", e);
      }
    }, config.agingIntervalMs(), config.agingIntervalMs(), TimeUnit.MILLISECONDS);
    SoftSwitch s = new SoftSwitch(config, device, service, server, aging);
    log.info("software switch: P4Runtime on {}, device id {}, ports {}", s.address(), config.deviceId(),
        s.describePorts());
    return s;
  }

  /** Where the P4Runtime server listens (the actual port when the config asked for an ephemeral one). */
  public InetSocketAddress address() {
    return new InetSocketAddress(config.host(), server.getPort());
  }

  /** The P4Runtime device id. */
  public long deviceId() {
    return config.deviceId();
  }

  /** The data plane (ports, pipeline), for embedding code and tests. */
  public SwitchDevice device() {
    return device;
  }

  /** "1=veth0, 2=memory" style description of the ports. */
  public String describePorts() {
    StringBuilder b = new StringBuilder();
    device.ports().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      if (!b.isEmpty()) {
        b.append(", ");
      }
      b.append(e.getKey()).append('=').append(e.getValue().describe());
    });
    return b.isEmpty() ? "none" : b.toString();
  }

  /** Stops the server, the aging task and the ports. */
  @Override
  public void close() {
    aging.shutdownNow();
    service.closeStreams();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    device.closePorts();
  }

  /** Blocks until the server terminates. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }
}
