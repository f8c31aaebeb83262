package org.nftoffload.cli;

import com.google.inject.Guice;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.nftoffload.config.ConfigException;
import org.nftoffload.config.ConfigLoader;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.ruleset.RulesetException;
import org.nftoffload.service.Controller;
import org.nftoffload.service.ControllerModule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code nftoffload serve [FILE]}: runs the controller until SIGINT/SIGTERM. Without a file it uses the bundled
 * default configuration: an embedded software switch, the example ruleset, REST and the agent endpoint on
 * 127.0.0.1. Prints what listens where once everything is up; shuts every part down cleanly on a signal.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the controller (default config: embedded software switch, example ruleset, loopback).")
final class ServeCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "FILE", description = "Configuration file (YAML or JSON); default: the "
      + "bundled default configuration (docs/configuration.md).")
  Path file;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ControllerConfig config;
    try {
      config = file == null ? new ConfigLoader().loadDefault() : new ConfigLoader().load(file);
    } catch (ConfigException e) {
      err.println("nftoffload serve: " + e.getMessage());
      err.flush();
      return 1;
    }
    Controller controller = Guice.createInjector(new ControllerModule(config)).getInstance(Controller.class);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      controller.close();
      // said here: once the hooks finish the JVM halts, so main may never get to print after await()
      out.println("nft-offload controller stopped");
      out.flush();
      stopped.countDown();
    }, "nftoffload-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    Controller.Listening l;
    try {
      l = controller.start();
    } catch (RulesetException e) {
      err.println("nftoffload serve: initial ruleset refused: " + e.getMessage());
      err.flush();
      return 1;
    } catch (java.io.IOException e) {
      err.println("nftoffload serve: cannot listen: " + e.getMessage());
      err.flush();
      return 1;
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      err.println("nftoffload serve: " + e.getMessage()); // a device's driver refused its options or files
      err.flush();
      return 1;
    }
    out.println("nft-offload controller '" + config.controllerId() + "' running (Ctrl-C to stop)");
    out.print(Controller.describe(l));
    out.flush();
    stopped.await();
    return 0;
  }
}
