package org.nftoffload.agent;

import org.junit.jupiter.api.Test;
import org.nftoffload.agent.config.AgentConfig;
import org.nftoffload.linux.ErrnoException;

import java.time.Clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starting an agent that cannot watch what it was told to fails with the kernel's reason, not Guice's wrapping. */
class AgentStartTest {
    @Test
    void missingNamespaceIsAClearError() {
        AgentConfig config = new AgentConfig(new AgentConfig.Agent("a", "nftoffload-no-such-namespace", ""),
                null, null, null, null);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Agent.start(config, Clock.systemUTC()));
        assertEquals(2 /* ENOENT */, e.errno());
        assertTrue(e.getMessage().contains("/var/run/netns/nftoffload-no-such-namespace"), e.getMessage());
    }
}
