package org.nftoffload.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/nftoffload}: one picocli command with a subcommand per job. Exit codes: 0 success,
 * 1 the input was refused (parse, validation or device error), 2 usage error.
 */
@Command(name = "nftoffload", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Offloads Linux nftables flowtables into P4 switches and SmartNICs.",
    subcommands = {PipelineCommand.class, SoftswitchCommand.class, PlanCommand.class, ServeCommand.class,
        CheckConfigCommand.class, ApiCommands.Ruleset.class, ApiCommands.Devices.class, ApiCommands.Flows.class,
        ApiCommands.Agents.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, shared by {@link #main} and the tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** The version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"nftoffload " + (v == null ? "dev" : v)};
    }
  }
}
