package org.nftoffload.service;

import com.google.inject.Inject;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.nftoffload.agentendpoint.AgentEndpoint;
import org.nftoffload.api.ApiServer;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.device.Device;
import org.nftoffload.device.DeviceSpec;
import org.nftoffload.flow.FlowManager;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.ClientConfig;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.Scheduler;
import org.nftoffload.p4runtime.StreamListener;
import org.nftoffload.packetio.PacketRelay;
import org.nftoffload.ruleset.RulesetService;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's lifecycle: starts the parts in dependency order — embedded switches, devices (seeded with the
 * entries they already hold, so a restart does not disturb forwarding), the flow manager (adopting those entries
 * for the agents to claim), the agent endpoint, the initial ruleset, the REST API — and stops them in reverse.
 */
public final class Controller implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Controller.class);

  /** Where the started controller listens. */
  public record Listening(InetSocketAddress api, InetSocketAddress agents, Map<String, String> devices) {}

  private final ControllerConfig config;
  private final FlowtablePipeline pipeline;
  private final Scheduler scheduler;
  private final ScheduledExecutorService executor;
  private final EmbeddedSwitches switches;
  private final ManagedDevices devices;
  private final FlowManager flows;
  private final AgentEndpoint agents;
  private final RulesetService rulesets;
  private final ApiServer api;
  private final PacketRelay relay;
  private final List<AutoCloseable> started = new ArrayList<>();
  private Listening listening;

  @Inject
  Controller(ControllerConfig config, FlowtablePipeline pipeline, Scheduler scheduler,
      ScheduledExecutorService executor, EmbeddedSwitches switches, ManagedDevices devices, FlowManager flows,
      AgentEndpoint agents, RulesetService rulesets, ApiServer api, PacketRelay relay) {
    this.relay = relay;
    this.config = config;
    this.pipeline = pipeline;
    this.scheduler = scheduler;
    this.executor = executor;
    this.switches = switches;
    this.devices = devices;
    this.flows = flows;
    this.agents = agents;
    this.rulesets = rulesets;
    this.api = api;
  }

  public synchronized Listening start() throws Exception {
    try {
      started.add(switches);
      Map<String, String> deviceAddresses = new LinkedHashMap<>();
      started.add(devices.manager());
      started.add(devices);
      for (ControllerConfig.Device d : config.devices()) {
        String host = d.host();
        int port = d.port();
        if (d.embedded()) {
          InetSocketAddress a = switches.start(d);
          port = a.getPort();
        }
        DeviceSpec spec = new DeviceSpec(d.name(), host, port, d.deviceId(), d.driver(), d.ports(), d.options());
        P4RuntimeClient reader = P4RuntimeClient.create(ClientConfig.of(host, port, d.deviceId()),
            pipeline.p4Info(), scheduler, RandomGenerator.getDefault());
        devices.reader(d.name(), reader);
        List<PiTableEntry> initial = new ArrayList<>(readFlowEntries(d.name(), reader));
        initial.addAll(rulesets.initialAcl(d.name()));
        Device device = devices.manager().add(spec, initial);
        String name = d.name();
        device.addListener(new StreamListener() {
          @Override
          public void onIdleTimeout(List<PiTableEntry> entries) {
            flows.idleTimeout(name, entries);
          }

          @Override
          public void onPacketIn(PiPacketOperation packet) {
            relay.packetIn(name, packet);
          }
        });
        deviceAddresses.put(d.name(), spec.address() + (d.embedded() ? " (embedded software switch)" : "")
            + " device id " + d.deviceId() + ", driver " + d.driver());
      }
      started.add(flows);
      flows.notifier(agents);
      agents.packets(relay);
      int orphans = flows.recover().get(30, TimeUnit.SECONDS);
      if (orphans > 0) {
        log.info("{} flow entries kept from before the restart, waiting {} for agents to claim them", orphans,
            config.flows().resyncGrace());
      }
      flows.start();
      started.add(agents);
      InetSocketAddress agentAddress = agents.start();
      rulesets.applyInitial();
      started.add(api);
      InetSocketAddress apiAddress = api.start();
      listening = new Listening(apiAddress, agentAddress, deviceAddresses);
      return listening;
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** The flow entries a device holds already (after a controller restart); none when it cannot be read yet. */
  private static List<PiTableEntry> readFlowEntries(String name, P4RuntimeClient reader) {
    List<PiTableEntry> out = new ArrayList<>();
    for (FlowtableP4.Table t : List.of(FlowtableP4.FlowV4.TABLE, FlowtableP4.FlowV6.TABLE)) {
      try {
        for (PiTableEntry e : reader.readTableEntries(t.id()).get(5, TimeUnit.SECONDS)) {
          out.add(PiTableEntry.builder().forTable(e.table()).withMatchKey(e.matchKey()).withAction(e.action())
              .withPriority(e.priority().orElse(0)).withTimeout(e.timeout().orElse(0.0)).build());
        }
      } catch (Exception e) {
        log.debug("device '{}': no flow entries read back ({})", name, e.toString());
        return List.of();
      }
    }
    if (!out.isEmpty()) {
      log.info("device '{}': {} flow entries already installed", name, out.size());
    }
    return out;
  }

  public synchronized Listening listening() {
    return listening;
  }

  /** Whether every device has a primary connection with this controller. */
  public boolean ready() {
    return devices.manager().devices().stream().allMatch(d -> d.mastership().isPrimary());
  }

  @Override
  public synchronized void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        log.warn("stopping {}: {}", started.get(i).getClass().getSimpleName(), e.toString());
      }
    }
    started.clear();
    executor.shutdownNow();
  }

  /** A printable summary of what listens where. */
  public static String describe(Listening l) {
    StringBuilder b = new StringBuilder();
    b.append("REST API         http://").append(hostPort(l.api())).append("/api/v1  (OpenAPI: /api/v1/openapi.json)\n");
    b.append("agent endpoint   ").append(hostPort(l.agents())).append("  (gRPC nftoffload.agent.v1.FlowAgent)\n");
    l.devices().forEach((n, a) -> b.append("device ").append(n).append("       P4Runtime ").append(a).append('\n'));
    b.append("metrics          http://").append(hostPort(l.api())).append("/metrics\n");
    return b.toString();
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
