package org.nftoffload.p4runtime;

/**
 * A P4Runtime election id, an unsigned 128-bit number: the controller with the highest id for a (device, role) is
 * the primary and the only one allowed to write. Ordered as unsigned numbers.
 *
 * @param high upper 64 bits (unsigned)
 * @param low lower 64 bits (unsigned)
 */
public record ElectionId(long high, long low) implements Comparable<ElectionId> {

  public static ElectionId of(long low) {
    return new ElectionId(0, low);
  }

  @Override
  public int compareTo(ElectionId o) {
    int c = Long.compareUnsigned(high, o.high);
    return c != 0 ? c : Long.compareUnsigned(low, o.low);
  }

  @Override
  public String toString() {
    return high == 0 ? Long.toUnsignedString(low) : Long.toUnsignedString(high) + ":" + Long.toUnsignedString(low);
  }
}
