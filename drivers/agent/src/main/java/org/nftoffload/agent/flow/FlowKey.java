package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackEntry;

/**
 * Identity of a flow between agent and controller: conntrack zone and id (unique while the entry lives).
 *
 * @param zone         conntrack zone
 * @param conntrackId  conntrack id
 */
public record FlowKey(int zone, long conntrackId) {
    public FlowKey {
        if (zone < 0 || zone > 0xffff) {
            throw new IllegalArgumentException("zone out of range: " + zone);
        }
        if (conntrackId < 0 || conntrackId > 0xffffffffL) {
            throw new IllegalArgumentException("conntrack id out of range: " + conntrackId);
        }
    }

    /** The key of a conntrack entry. */
    public static FlowKey of(ConntrackEntry entry) {
        return new FlowKey(entry.zone(), entry.id());
    }
}
