package org.nftoffload.agent.controller;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reconnect delays double up to the cap and start over after a handshake. */
class BackoffTest {
    @Test
    void doublesUpToTheCapAndResets() {
        Backoff b = new Backoff(100, 1000);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            delays.add(b.next().toMillis());
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L), delays);
        b.reset();
        assertEquals(100, b.next().toMillis());
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(100, 10));
    }
}
