package org.nftoffload.softswitch.pipeline;

/**
 * A colour-blind two-rate three-colour marker (RFC 2698) counting packets, as a P4Runtime {@code MeterConfig}
 * describes it: committed rate and burst (cir/cburst), peak rate and burst (pir/pburst), rates in packets per
 * second, bursts in packets. Both buckets start full. An unconfigured meter marks every packet green, as
 * P4Runtime targets do. Time comes from the caller (nanoseconds of an injected clock) so tests never sleep.
 */
public final class TwoRateMeter {

  /** The colour a packet leaves the meter with. */
  public enum Color { GREEN, YELLOW, RED }

  /**
   * A meter configuration.
   *
   * @param cir committed information rate, packets/s
   * @param cburst committed burst, packets
   * @param pir peak information rate, packets/s
   * @param pburst peak burst, packets
   */
  public record Config(long cir, long cburst, long pir, long pburst) {
    public Config {
      if (cir < 0 || cburst < 0 || pir < 0 || pburst < 0) {
        throw new IllegalArgumentException("meter rates and bursts must not be negative");
      }
      if (pir < cir) {
        throw new IllegalArgumentException("pir " + pir + " is below cir " + cir);
      }
    }
  }

  private static final long NANOS = 1_000_000_000L;

  private Config config;
  // Tokens scaled by 1e9 so refills (elapsed ns * packets/s) stay exact integers.
  private long committedTokens;
  private long peakTokens;
  private long lastNanos;

  /** An unconfigured meter (everything green). */
  public TwoRateMeter() {}

  /** The current configuration, or null when unconfigured. */
  public Config config() {
    return config;
  }

  /** Sets (or, with null, clears) the configuration and fills both buckets. */
  public void configure(Config newConfig, long nowNanos) {
    config = newConfig;
    if (newConfig != null) {
      committedTokens = scaled(newConfig.cburst());
      peakTokens = scaled(newConfig.pburst());
    }
    lastNanos = nowNanos;
  }

  /** Colours one packet at {@code nowNanos}. */
  public Color mark(long nowNanos) {
    Config c = config;
    if (c == null) {
      return Color.GREEN;
    }
    long elapsed = Math.max(0, nowNanos - lastNanos);
    lastNanos = nowNanos;
    committedTokens = refill(committedTokens, elapsed, c.cir(), scaled(c.cburst()));
    peakTokens = refill(peakTokens, elapsed, c.pir(), scaled(c.pburst()));
    if (peakTokens < NANOS) {
      return Color.RED;
    }
    if (committedTokens < NANOS) {
      peakTokens -= NANOS;
      return Color.YELLOW;
    }
    peakTokens -= NANOS;
    committedTokens -= NANOS;
    return Color.GREEN;
  }

  private static long scaled(long packets) {
    return packets >= Long.MAX_VALUE / NANOS ? Long.MAX_VALUE : packets * NANOS;
  }

  private static long refill(long tokens, long elapsedNanos, long rate, long cap) {
    if (rate == 0 || elapsedNanos == 0) {
      return Math.min(tokens, cap);
    }
    long room = cap - tokens;
    if (room <= 0) {
      return cap;
    }
    // elapsed * rate may overflow; past room / rate the bucket is full anyway
    if (elapsedNanos >= room / rate + 1) {
      return cap;
    }
    return tokens + elapsedNanos * rate;
  }
}
