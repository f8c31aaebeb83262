package org.nftoffload.linux.conntrack;

/**
 * The conntrack status bits ({@code enum ip_conntrack_status}, linux/netfilter/nf_conntrack_common.h)
 * the agent cares about, with a decoder for the {@code CTA_STATUS} word.
 */
public enum ConntrackStatus {
    /** Expected connection (created from an expectation). */
    EXPECTED(0),
    /** Packets were seen in both directions. */
    SEEN_REPLY(1),
    /** Never to be early-dropped: the connection is established. */
    ASSURED(2),
    /** Entered the main table. */
    CONFIRMED(3),
    /** Source NAT applies. */
    SRC_NAT(4),
    /** Destination NAT applies. */
    DST_NAT(5),
    /** The connection is being torn down. */
    DYING(9),
    /** The connection is in a (software) flowtable. */
    OFFLOAD(14),
    /** The connection is offloaded to hardware by the kernel. */
    HW_OFFLOAD(15);

    private final int bit;

    ConntrackStatus(int bit) {
        this.bit = bit;
    }

    /** The bit's mask in the status word. */
    public int mask() {
        return 1 << bit;
    }

    /** Whether {@code status} has this bit set. */
    public boolean isSet(int status) {
        return (status & mask()) != 0;
    }
}
