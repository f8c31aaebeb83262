package org.nftoffload.agent.controller;

import java.time.Duration;

/**
 * Exponential reconnect delay: initial, doubled after each failure, capped; back to initial after a
 * successful handshake. Deterministic, so tests can check the sequence.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private long nextMillis;

    public Backoff(long initialMillis, long maxMillis) {
        if (initialMillis <= 0 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initialMillis + ", " + maxMillis);
        }
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.nextMillis = initialMillis;
    }

    /** The delay before the next attempt; grows for the one after. */
    public synchronized Duration next() {
        long d = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return Duration.ofMillis(d);
    }

    /** Forgets past failures. */
    public synchronized void reset() {
        nextMillis = initialMillis;
    }
}
