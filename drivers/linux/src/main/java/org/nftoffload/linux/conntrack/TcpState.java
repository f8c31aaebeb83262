package org.nftoffload.linux.conntrack;

/**
 * conntrack's TCP state machine ({@code enum tcp_conntrack}); the agent uses it to tell a FIN-ended
 * connection from a reset one.
 */
public enum TcpState {
    NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2;

    /** The state for the kernel's number; unknown numbers map to {@link #NONE}. */
    public static TcpState of(int value) {
        TcpState[] all = values();
        return value >= 0 && value < all.length ? all[value] : NONE;
    }

    /** Whether a FIN was seen (orderly shutdown in progress or done). */
    public boolean isClosingByFin() {
        return this == FIN_WAIT || this == CLOSE_WAIT || this == LAST_ACK || this == TIME_WAIT;
    }
}
