package org.nftoffload.p4runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter for reconnecting a device's stream: attempt n waits
 * {@code min(max, initial * multiplier^n)}, then a uniformly random share of up to {@code jitter} of that is taken
 * off, so that many controllers losing a device at once do not reconnect in lock step.
 *
 * @param initial delay before the first retry
 * @param max cap on the delay
 * @param multiplier growth per attempt, at least 1
 * @param jitter fraction of the delay that is randomised, in [0, 1]
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

  /** 100 ms doubling up to 10 s, 20 % jitter. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.2);

  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("backoff initial delay must be positive, got " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff max " + max + " is below the initial delay " + initial);
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("backoff multiplier must be at least 1, got " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("backoff jitter must be within [0, 1], got " + jitter);
    }
  }

  /** The delay before retry number {@code attempt} (0 for the first retry). */
  public Duration delay(int attempt, RandomGenerator random) {
    double base = initial.toNanos() * Math.pow(multiplier, Math.max(0, attempt));
    double capped = Math.min(base, max.toNanos());
    double withJitter = capped * (1.0 - jitter * random.nextDouble());
    return Duration.ofNanos(Math.max(1, (long) withJitter));
  }
}
