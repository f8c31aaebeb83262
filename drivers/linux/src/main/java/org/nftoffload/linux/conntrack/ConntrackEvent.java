package org.nftoffload.linux.conntrack;

import java.util.Objects;

/**
 * A conntrack notification or dump entry: what happened ({@link Type}) and the entry as reported.
 *
 * @param type  NEW, UPDATE, DESTROY, or DUMP for entries listed by a dump
 * @param entry the entry
 */
public record ConntrackEvent(Type type, ConntrackEntry entry) {
    /** Kinds of conntrack messages. */
    public enum Type { NEW, UPDATE, DESTROY, DUMP }

    public ConntrackEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entry, "entry");
    }
}
