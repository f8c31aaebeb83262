package org.nftoffload.service;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import org.nftoffload.agentendpoint.AgentEndpoint;
import org.nftoffload.api.ApiServer;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.device.DeviceManager;
import org.nftoffload.device.ManagerConfig;
import org.nftoffload.flow.FlowManager;
import org.nftoffload.flow.PortMap;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.ElectionId;
import org.nftoffload.p4runtime.ExactEntryEncoder;
import org.nftoffload.p4runtime.Scheduler;
import org.nftoffload.packetio.PacketRelay;
import org.nftoffload.ruleset.RulesetService;

/**
 * The controller's wiring in one place: config → clock, scheduler, metrics, pipeline, device manager, flow manager,
 * agent endpoint, ruleset service, REST API. Tests replace the clock or the embedded switches' ports by overriding
 * this module ({@code Modules.override}).
 */
public final class ControllerModule extends AbstractModule {

  private final ControllerConfig config;
  private final EmbeddedSwitches.PortSource ports;

  public ControllerModule(ControllerConfig config) {
    this(config, EmbeddedSwitches.PortSource.NONE);
  }

  public ControllerModule(ControllerConfig config, EmbeddedSwitches.PortSource ports) {
    this.config = config;
    this.ports = ports;
  }

  @Override
  protected void configure() {
    bind(ControllerConfig.class).toInstance(config);
    bind(EmbeddedSwitches.PortSource.class).toInstance(ports);
    bind(Controller.class).in(Singleton.class);
    bind(RulesetService.class).in(Singleton.class);
    bind(ApiServer.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Provides
  @Singleton
  ScheduledExecutorService executor() {
    return Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "controller-timer");
      t.setDaemon(true);
      return t;
    });
  }

  @Provides
  @Singleton
  Scheduler scheduler(ScheduledExecutorService executor) {
    return Scheduler.of(executor);
  }

  @Provides
  @Singleton
  PrometheusMeterRegistry prometheus() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @Provides
  @Singleton
  MeterRegistry meters(PrometheusMeterRegistry prometheus) {
    return prometheus;
  }

  @Provides
  @Singleton
  FlowtablePipeline pipeline() {
    return FlowtablePipeline.load();
  }

  @Provides
  @Singleton
  EmbeddedSwitches switches(EmbeddedSwitches.PortSource source, Clock clock) {
    return new EmbeddedSwitches(source, clock);
  }

  @Provides
  @Singleton
  ManagedDevices devices(FlowtablePipeline pipeline, ControllerConfig config, Scheduler scheduler) {
    ManagerConfig m = ManagerConfig.defaults().withElectionId(ElectionId.of(config.electionId()))
        .withReconcilePeriod(config.reconcilePeriod());
    return new ManagedDevices(new DeviceManager(pipeline, m, scheduler, RandomGenerator.getDefault()));
  }

  @Provides
  @Singleton
  PortMap portMap(ControllerConfig config) {
    Map<String, PortMap.Port> ports = new HashMap<>();
    config.interfaces().forEach((ifname, a) -> {
      ControllerConfig.Device d = config.devices().stream().filter(x -> x.name().equals(a.device())).findFirst()
          .orElseThrow();
      ports.put(ifname, new PortMap.Port(d.name(), d.ports().get(a.port())));
    });
    return new PortMap(ports);
  }

  @Provides
  @Singleton
  FlowManager flowManager(ManagedDevices devices, PortMap ports, FlowtablePipeline pipeline, ControllerConfig config,
      Clock clock, Scheduler scheduler, MeterRegistry meters) {
    ControllerConfig.Flows f = config.flows();
    return new FlowManager(devices, ports, ExactEntryEncoder.of(pipeline.p4Info()), new FlowManager.Settings(f.batchSize(), 4, f.queueCapacity(),
        f.idleTimeout(), f.activityInterval(), f.retryInitial(), f.retryMax(), f.retryLimit(), f.resyncGrace(),
        f.maxFlows()), clock, scheduler, meters);
  }

  @Provides
  @Singleton
  AgentEndpoint agentEndpoint(ControllerConfig config, FlowManager flows, Clock clock, MeterRegistry meters) {
    return new AgentEndpoint(config.agents(), config.controllerId(), flows, clock, meters);
  }

  @Provides
  @Singleton
  PacketRelay packetRelay(ManagedDevices devices, MeterRegistry meters) {
    return new PacketRelay(name -> devices.manager().device(name), meters);
  }

  @Provides
  @Singleton
  ApiServer.ReadinessProbe readiness(ManagedDevices devices) {
    return () -> !devices.manager().devices().isEmpty()
        && devices.manager().devices().stream().allMatch(d -> d.mastership().isPrimary());
  }
}
