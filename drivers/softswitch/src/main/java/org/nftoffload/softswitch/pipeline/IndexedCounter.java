package org.nftoffload.softswitch.pipeline;

/**
 * An indexed (P4 {@code counter}) array of packet and byte cells, such as the per-port rx/tx counters and the
 * punt counter. Indexes out of range are ignored by the data plane, as BMv2 does, and refused by reads.
 */
public final class IndexedCounter {

  private final long[] packets;
  private final long[] bytes;

  public IndexedCounter(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("counter size must be > 0");
    }
    packets = new long[size];
    bytes = new long[size];
  }

  public int size() {
    return packets.length;
  }

  void count(int index, int length) {
    if (index >= 0 && index < packets.length) {
      packets[index]++;
      bytes[index] += length;
    }
  }

  public long packets(int index) {
    return packets[index];
  }

  public long bytes(int index) {
    return bytes[index];
  }

  /** Sets one cell (P4Runtime CounterEntry MODIFY). */
  public void set(int index, long newPackets, long newBytes) {
    packets[index] = newPackets;
    bytes[index] = newBytes;
  }

  public void clear() {
    java.util.Arrays.fill(packets, 0);
    java.util.Arrays.fill(bytes, 0);
  }
}
