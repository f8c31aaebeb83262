package org.nftoffload.agent.flow;

/** Where the tracker sends what the controller must hear: flows added and flows ended. */
public interface FlowEvents {
    /** A flow was selected and resolved. */
    void added(Flow flow);

    /** A reported flow ended; {@code conntrackId} is informational. */
    void deleted(FlowKey key, long conntrackId, DeleteReason reason);
}
