package org.nftoffload.linux.conntrack;

import java.util.Objects;
import java.util.Optional;

/**
 * A conntrack entry as ctnetlink reports it. The original tuple is the first packet's direction, the
 * reply tuple what the answer looks like on the wire: when they are not mirror images NAT applies
 * (see {@link #sourceNat()} and {@link #destinationNat()}).
 *
 * @param id          conntrack id (CTA_ID), stable for the entry's life
 * @param original    original-direction tuple
 * @param reply       reply-direction tuple
 * @param status      status bits (see {@link ConntrackStatus})
 * @param mark        ct mark
 * @param labels      ct labels (16 bytes, or empty when none)
 * @param zone        conntrack zone (0 by default)
 * @param timeoutSeconds seconds left before expiry, or -1 when the message did not carry it (destroy events)
 * @param tcpState    TCP state, empty for other protocols or when not reported
 * @param originalCounters packets/bytes seen in the original direction (zero without nf_conntrack_acct)
 * @param replyCounters    packets/bytes seen in the reply direction
 */
public record ConntrackEntry(long id, ConntrackTuple original, ConntrackTuple reply, int status, int mark,
                             byte[] labels, int zone, long timeoutSeconds, Optional<TcpState> tcpState,
                             Counters originalCounters, Counters replyCounters) {

    /**
     * Packet and byte counters of one direction.
     *
     * @param packets packets
     * @param bytes   bytes
     */
    public record Counters(long packets, long bytes) {
        /** No traffic counted (or accounting disabled). */
        public static final Counters ZERO = new Counters(0, 0);

        public Counters {
            if (packets < 0 || bytes < 0) {
                throw new IllegalArgumentException("negative counters: " + packets + " packets, " + bytes + " bytes");
            }
        }
    }

    public ConntrackEntry {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(tcpState, "tcpState");
        Objects.requireNonNull(originalCounters, "originalCounters");
        Objects.requireNonNull(replyCounters, "replyCounters");
        if (original.protocol() != reply.protocol()) {
            throw new IllegalArgumentException("tuples of different protocols: " + original + " / " + reply);
        }
        if (zone < 0 || zone > 0xffff) {
            throw new IllegalArgumentException("zone out of range: " + zone);
        }
        labels = labels.length == 0 ? NO_LABELS : labels.clone();
    }

    private static final byte[] NO_LABELS = new byte[0];

    /** Whether status bit {@code bit} is set. */
    public boolean has(ConntrackStatus bit) {
        return bit.isSet(status);
    }

    /** Whether the source is translated: the reply goes to another address/port than the original came from. */
    public boolean sourceNat() {
        return !reply.destination().equals(original.source()) || reply.destinationPort() != original.sourcePort();
    }

    /** Whether the destination is translated: the reply comes from another address/port than the original went to. */
    public boolean destinationNat() {
        return !reply.source().equals(original.destination()) || reply.sourcePort() != original.destinationPort();
    }

    @Override
    public byte[] labels() {
        return labels.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConntrackEntry e && id == e.id && status == e.status && mark == e.mark
                && zone == e.zone && timeoutSeconds == e.timeoutSeconds && original.equals(e.original)
                && reply.equals(e.reply) && java.util.Arrays.equals(labels, e.labels) && tcpState.equals(e.tcpState)
                && originalCounters.equals(e.originalCounters) && replyCounters.equals(e.replyCounters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, original, reply, status, mark, zone);
    }

    @Override
    public String toString() {
        return "ct#" + Long.toUnsignedString(id) + " " + original + " / " + reply + " status=0x"
                + Integer.toHexString(status) + " mark=0x" + Integer.toHexString(mark) + " zone=" + zone
                + " timeout=" + timeoutSeconds + tcpState.map(s -> " " + s).orElse("");
    }
}
