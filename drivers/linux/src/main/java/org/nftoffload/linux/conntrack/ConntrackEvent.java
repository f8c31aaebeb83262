package org.nftoffload.linux.conntrack;

import java.util.Objects;

/**
 * A conntrack notification or dump entry: what happened ({@link Type}) and the entry as reported.
 *
 * @param type   NEW, UPDATE, DESTROY, or DUMP for entries listed by a dump
 * @param entry  the entry
 * @param portId netlink port id of the process whose request caused the event (e.g. the one that
 *               deleted the entry through ctnetlink), 0 when the kernel acted on its own (expiry, traffic)
 */
public record ConntrackEvent(Type type, ConntrackEntry entry, int portId) {
    /** Kinds of conntrack messages. */
    public enum Type { NEW, UPDATE, DESTROY, DUMP }

    public ConntrackEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entry, "entry");
    }
}
