package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackTuple;

import java.util.Objects;

/**
 * Identity of a flow between agent and controller: conntrack zone and original tuple, which conntrack
 * keeps unique. Not the conntrack id: that is a 32-bit hash, and among 100,000 flows two share one
 * about as often as not.
 *
 * @param zone     conntrack zone
 * @param original the original-direction tuple
 */
public record FlowKey(int zone, ConntrackTuple original) {
    public FlowKey {
        if (zone < 0 || zone > 0xffff) {
            throw new IllegalArgumentException("zone out of range: " + zone);
        }
        Objects.requireNonNull(original, "original");
    }

    /** The key of a conntrack entry. */
    public static FlowKey of(ConntrackEntry entry) {
        return new FlowKey(entry.zone(), entry.original());
    }
}
