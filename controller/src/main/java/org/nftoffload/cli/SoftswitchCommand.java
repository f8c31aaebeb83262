package org.nftoffload.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.ConfigLoader;
import org.nftoffload.softswitch.config.SoftSwitchConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nftoffload softswitch}: runs the embedded software switch on its own — a P4Runtime server on the
 * flowtable pipeline with the Linux interfaces of the config's port map as its ports — until it is stopped.
 */
@Command(name = "softswitch", mixinStandardHelpOptions = true,
    description = "Run the software switch (P4Runtime target of the flowtable pipeline) standalone.")
final class SoftswitchCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML or JSON config: listen, device_id, aging_interval_ms, table_sizes, ports "
          + "(number, interface, namespace). Without it: 127.0.0.1, an ephemeral port, no ports.")
  Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Overrides the config's listen address.")
  String listen;

  @Option(names = "--check", description = "Only load and check the config, then exit.")
  boolean check;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SoftSwitchConfig c;
    try {
      c = config == null ? SoftSwitchConfig.defaults() : ConfigLoader.load(config);
      if (listen != null) {
        c = c.withListen(listen);
      }
    } catch (ConfigLoader.ConfigException | IllegalArgumentException e) {
      err.println("softswitch: " + e.getMessage());
      err.flush();
      return 1;
    }
    if (check) {
      out.printf("softswitch: config OK: listen %s, device id %d, %d port(s)%n", c.listen(), c.deviceId(),
          c.ports().size());
      out.flush();
      return 0;
    }
    SoftSwitch sw;
    try {
      sw = SoftSwitch.start(c);
    } catch (IOException | RuntimeException e) {
      err.println("softswitch: cannot start: " + e.getMessage());
      err.flush();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(sw::close, "softswitch-shutdown"));
    out.printf("softswitch: P4Runtime listening on %s:%d, device id %d, ports: %s%n",
        sw.address().getHostString(), sw.address().getPort(), sw.deviceId(), sw.describePorts());
    out.flush();
    try {
      sw.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
