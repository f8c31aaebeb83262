package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.5);

  @Test
  void growsExponentiallyUpToTheCapWithinTheJitterBand() {
    SplittableRandom r = new SplittableRandom(7);
    for (int attempt = 0; attempt < 12; attempt++) {
      long base = Math.min(100L << attempt, 2000);
      long d = b.delay(attempt, r).toMillis();
      assertTrue(d <= base && d >= base / 2, "attempt " + attempt + ": " + d + " ms vs base " + base);
    }
  }

  @Test
  void jitterSpreadsControllersApart() {
    assertNotEquals(b.delay(3, new SplittableRandom(1)), b.delay(3, new SplittableRandom(2)));
    Backoff none = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0);
    assertEquals(Duration.ofMillis(400), none.delay(2, new SplittableRandom(1)));
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2,
        0));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1),
        0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2,
        1.5));
  }
}
