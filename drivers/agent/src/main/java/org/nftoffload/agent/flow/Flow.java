package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackEntry;

import java.util.Objects;

/**
 * A connection the agent reports to the controller: the conntrack entry it comes from and how both
 * directions are forwarded. NAT is read from the entry's tuples.
 *
 * @param entry    the conntrack entry when the flow was resolved
 * @param original forwarding of the original direction
 * @param reply    forwarding of the reply direction
 */
public record Flow(ConntrackEntry entry, FlowPath original, FlowPath reply) {
    public Flow {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(reply, "reply");
        if (!original.tuple().equals(entry.original()) || !reply.tuple().equals(entry.reply())) {
            throw new IllegalArgumentException("flow paths do not carry the entry's tuples: " + entry);
        }
    }

    /** The key the agent and the controller use for this flow. */
    public FlowKey key() {
        return FlowKey.of(entry);
    }
}
