package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackTuple;

/** Where the tracker sends what the controller must hear: flows added and flows ended. */
public interface FlowEvents {
    /** A flow was selected and resolved. */
    void added(Flow flow);

    /** A reported flow ended. */
    void deleted(FlowKey key, ConntrackTuple original, DeleteReason reason);
}
