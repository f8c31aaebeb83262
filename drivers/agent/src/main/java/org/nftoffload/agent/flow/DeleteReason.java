package org.nftoffload.agent.flow;

/** Why a reported flow ended, as the agent tells the controller. */
public enum DeleteReason {
    /** TCP FIN seen: orderly shutdown. */
    FIN,
    /** TCP RST seen. */
    RST,
    /** The conntrack entry expired. */
    TIMEOUT,
    /** The entry was removed otherwise (conntrack -D, flush, early drop) or vanished while events were lost. */
    DESTROYED
}
