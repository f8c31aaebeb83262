package org.nftoffload.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nftoffload.config.ConfigException;
import org.nftoffload.config.ConfigLoader;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.ruleset.RulesetException;
import org.nftoffload.ruleset.RulesetService;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code nftoffload check-config [FILE]}: loads a configuration as {@code serve} would — unknown keys, bad values
 * and dangling interface/device references are refused naming the setting — and checks that the initial ruleset
 * parses and validates. Exit 0 when valid, 1 with the reason otherwise. Starts nothing.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
    description = "Validate a controller configuration file (default: the bundled one) without starting anything.")
final class CheckConfigCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "FILE", description = "Configuration file (YAML or JSON).")
  Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String name = file == null ? "default configuration" : file.toString();
    try {
      ControllerConfig c = file == null ? new ConfigLoader().loadDefault() : new ConfigLoader().load(file);
      checkDrivers(c);
      var source = RulesetService.initialSource(c.ruleset());
      if (source.isPresent()) {
        org.nftoffload.nft.NftFrontEnd.read(source.get()[0], source.get()[1]);
      }
      out.printf("%s: OK (%d device(s), %d interface(s), REST %s:%d, agents %s:%d, ruleset %s)%n", name,
          c.devices().size(), c.interfaces().size(), c.api().host(), c.api().port(), c.agents().host(),
          c.agents().port(), source.map(s -> s[0]).orElse("none"));
      out.flush();
      return 0;
    } catch (ConfigException e) {
      err.println(e.getMessage());
    } catch (RulesetException e) {
      err.println(name + ": ruleset: " + e.getMessage());
    } catch (org.nftoffload.nft.NftParseException e) {
      err.println(name + ": ruleset: " + e.getMessage());
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      err.println(name + ": " + e.getMessage()); // a driver refused its options or compiler outputs
    }
    err.flush();
    return 1;
  }

  /** Builds every device's driver as {@code serve} would, so missing compiler outputs and bad options show here. */
  private static void checkDrivers(ControllerConfig c) {
    org.nftoffload.p4.FlowtablePipeline pipeline = org.nftoffload.p4.FlowtablePipeline.load();
    for (ControllerConfig.Device d : c.devices()) {
      int port = d.port() == 0 ? 1 : d.port(); // an embedded switch's port 0 is picked when it starts
      org.nftoffload.device.Drivers.create(new org.nftoffload.device.DeviceSpec(d.name(), d.host(), port,
          d.deviceId(), d.driver(), d.ports(), d.options()), pipeline);
    }
  }
}
