package org.nftoffload.agent.config;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The agent's whole configuration, as read from its YAML/JSON file (see {@code drivers/agent/README.md}
 * for every key and default). Unknown keys are rejected when the file is loaded; missing sections and
 * keys take their defaults; every value is checked here, so a loaded config is a valid one.
 *
 * @param agent      who this agent is and what it watches
 * @param controller where the controller is and how to reconnect
 * @param selection  which conntrack entries are reported
 * @param conntrack  conntrack watching and timeout refresh
 * @param queue      the bounded event queue towards the controller
 * @param representors switch ports this agent stands in for with a TAP interface in the watched namespace
 *                     (default none: no packet relay)
 */
public record AgentConfig(Agent agent, Controller controller, Selection selection, Conntrack conntrack, Queue queue,
                          List<Representor> representors) {

    public AgentConfig {
        agent = agent == null ? new Agent(null, null, null) : agent;
        controller = controller == null ? new Controller(null, null, null, null) : controller;
        selection = selection == null ? new Selection(null, null) : selection;
        conntrack = conntrack == null ? new Conntrack(null, null) : conntrack;
        queue = queue == null ? new Queue(null) : queue;
        representors = representors == null ? List.of() : List.copyOf(representors);
        Set<String> names = new HashSet<>();
        Set<String> ports = new HashSet<>();
        for (int i = 0; i < representors.size(); i++) {
            Representor r = representors.get(i);
            if (r == null) {
                throw new IllegalArgumentException("representors[" + i + "] is empty");
            }
            if (!names.add(r.name())) {
                throw new IllegalArgumentException("representors[" + i + "]: interface name \"" + r.name()
                        + "\" is used twice");
            }
            if (!ports.add(r.device() + "/" + r.port())) {
                throw new IllegalArgumentException("representors[" + i + "]: device \"" + r.device() + "\" port "
                        + r.port() + " has two representors");
            }
        }
    }

    /** A config without representors (the agent relays no packets). */
    public AgentConfig(Agent agent, Controller controller, Selection selection, Conntrack conntrack, Queue queue) {
        this(agent, controller, selection, conntrack, queue, null);
    }

    /** This config with another agent id (the default id is the host name, which tests cannot know). */
    public AgentConfig withAgentId(String id) {
        return new AgentConfig(new Agent(id, agent.namespace(), agent.token()), controller, selection, conntrack, queue,
                representors);
    }

    /**
     * One switch port and its representor: a TAP interface the agent creates in the watched namespace.
     * The switch's packet_in from {@code port} of {@code device} is delivered on it; what the kernel sends
     * out of it leaves {@code device} on {@code port} (packet_out).
     *
     * @param device device name in the controller's config
     * @param port   switch port number, 1..510 (not the CPU port 255)
     * @param name   interface name, 1..15 characters
     */
    public record Representor(String device, Integer port, String name) {
        public Representor {
            if (device == null || device.isBlank()) {
                throw new IllegalArgumentException("representor needs a device");
            }
            if (port == null || port < 1 || port > 510 || port == 255) {
                throw new IllegalArgumentException("representor port must be 1..510 and not the CPU port 255, got "
                        + port);
            }
            if (name == null || name.isEmpty() || name.length() > 15 || name.contains("/") || name.contains(" ")) {
                throw new IllegalArgumentException("representor name must be 1..15 characters without '/' or blanks, got \""
                        + name + "\"");
            }
        }
    }

    /** A config with every default (useful in tests). */
    public static AgentConfig defaults() {
        return new AgentConfig(null, null, null, null, null);
    }

    /**
     * Identity of the agent.
     *
     * @param id        agent id sent in Hello (default: the host name)
     * @param namespace name of the network namespace to watch ({@code ip netns} name); "" watches the
     *                  agent's own namespace (default "")
     * @param token     shared secret sent in Hello (default "")
     */
    public record Agent(String id, String namespace, String token) {
        public Agent {
            id = id == null || id.isBlank() ? hostName() : id;
            namespace = namespace == null ? "" : namespace;
            token = token == null ? "" : token;
            if (namespace.contains("/")) {
                throw new IllegalArgumentException("agent.namespace must be an `ip netns` name, got \"" + namespace + "\"");
            }
        }

        @Override
        public String toString() {
            return "Agent[id=" + id + ", namespace=" + namespace + ", token=" + (token.isEmpty() ? "" : "(set)") + "]";
        }
    }

    /**
     * The controller endpoint.
     *
     * @param address              host:port of the controller's agent endpoint (default 127.0.0.1:9600, the controller's default agents.port)
     * @param initialBackoffMillis first reconnect delay (default 500)
     * @param maxBackoffMillis     reconnect delay cap (default 30000)
     * @param resyncChunk          flows per Resync message (default 1000)
     */
    public record Controller(String address, Integer initialBackoffMillis, Integer maxBackoffMillis,
                             Integer resyncChunk) {
        public Controller {
            address = address == null ? "127.0.0.1:9600" : address;
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1) {
                throw new IllegalArgumentException("controller.address must be host:port, got \"" + address + "\"");
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("controller.address has a bad port: \"" + address + "\"");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("controller.address port out of range: " + port);
            }
            initialBackoffMillis = positive("controller.initialBackoffMillis", initialBackoffMillis, 500);
            maxBackoffMillis = positive("controller.maxBackoffMillis", maxBackoffMillis, 30_000);
            if (maxBackoffMillis < initialBackoffMillis) {
                throw new IllegalArgumentException("controller.maxBackoffMillis (" + maxBackoffMillis
                        + ") is below controller.initialBackoffMillis (" + initialBackoffMillis + ")");
            }
            resyncChunk = positive("controller.resyncChunk", resyncChunk, 1000);
        }

        /** The host part of {@link #address}. */
        public String host() {
            return address.substring(0, address.lastIndexOf(':'));
        }

        /** The port part of {@link #address}. */
        public int port() {
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }
    }

    /** How the agent decides that the kernel chose a connection for offload. */
    public enum Mode {
        /** The conntrack OFFLOAD status bit (kernels with flowtables: `flow add @ft`). */
        OFFLOAD_BIT,
        /** A ct mark bit set by an nft rule, e.g. {@code ct state established ct mark set ct mark or 0x1}. */
        MARK_BIT,
        /** The offload policy the controller sends (conditions of the ruleset's `flow add @ft` rules). */
        POLICY
    }

    /**
     * Flow selection.
     *
     * @param mode     OFFLOAD_BIT, MARK_BIT or POLICY (default OFFLOAD_BIT)
     * @param markMask for MARK_BIT: the ct mark bits that select a flow, non-zero (default 1)
     */
    public record Selection(Mode mode, Long markMask) {
        public Selection {
            mode = mode == null ? Mode.OFFLOAD_BIT : mode;
            markMask = markMask == null ? 1L : markMask;
            if (markMask <= 0 || markMask > 0xffffffffL) {
                throw new IllegalArgumentException("selection.markMask must be a non-zero 32-bit mask, got " + markMask);
            }
        }
    }

    /**
     * Conntrack watching.
     *
     * @param receiveBufferBytes    kernel queue for conntrack notifications (default 16 MiB)
     * @param refreshTimeoutSeconds timeout given to an offloaded flow each time the controller reports it
     *                              active (default 300)
     */
    public record Conntrack(Integer receiveBufferBytes, Integer refreshTimeoutSeconds) {
        public Conntrack {
            receiveBufferBytes = positive("conntrack.receiveBufferBytes", receiveBufferBytes, 16 << 20);
            refreshTimeoutSeconds = positive("conntrack.refreshTimeoutSeconds", refreshTimeoutSeconds, 300);
        }
    }

    /**
     * The queue of flow events waiting for the controller.
     *
     * @param capacity events held before the agent gives up on them and resyncs instead (default 65536)
     */
    public record Queue(Integer capacity) {
        public Queue {
            capacity = positive("queue.capacity", capacity, 65_536);
        }
    }

    private static int positive(String key, Integer value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
        return value;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return Objects.requireNonNullElse(System.getenv("HOSTNAME"), "agent");
        }
    }
}
