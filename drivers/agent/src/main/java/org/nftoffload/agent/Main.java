package org.nftoffload.agent;

import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.agent.config.ConfigException;
import org.nftoffload.agent.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Command line of the standalone kernel agent: {@code nftoffload-agent --config FILE} runs it until
 * SIGTERM/SIGINT; {@code --check} only validates the config.
 */
@CommandLine.Command(name = "nftoffload-agent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Watches conntrack and routing in a network namespace and reports offloadable flows "
                + "to the nft-offload controller.")
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @CommandLine.Option(names = "--config", required = true, paramLabel = "FILE",
            description = "agent config (YAML or JSON; see drivers/agent/README.md)")
    private Path config;

    @CommandLine.Option(names = "--check", description = "validate the config, print it and exit")
    private boolean check;

    /** Reports {@link Agent#VERSION}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nftoffload-agent " + Agent.VERSION};
        }
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (check) {
            System.out.println(config + ": OK " + cfg);
            return 0;
        }
        LOG.info("nftoffload-agent {} starting: agent id {}, controller {}, namespace {}", Agent.VERSION,
                cfg.agent().id(), cfg.controller().address(),
                cfg.agent().namespace().isEmpty() ? "(own)" : cfg.agent().namespace());
        CountDownLatch stop = new CountDownLatch(1);
        try (Agent agent = Agent.start(cfg, Clock.systemUTC())) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "agent-shutdown"));
            stop.await();
            LOG.info("stopping: {} flows reported, {} events handled", agent.tracker().size(),
                    agent.kernel().eventsHandled());
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
