package org.nftoffload.device;

import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * What identifies a table entry on a device: table, match key and priority (P4Runtime's key). Built from canonical
 * entries so that a written entry and the same entry read back have equal keys.
 *
 * <p>Not a record: ONOS's {@code PiMatchKey} hash is a sum of near-linear field hashes, so flow keys that differ
 * in an address and a port collide in bulk (about 40k distinct hashes for 200k flow entries). Each field's hash is
 * mixed before it is summed, once, when the key is made.
 */
public final class EntryKey {

  private final PiTableId table;
  private final PiMatchKey match;
  private final int priority;
  private final int hash;

  private EntryKey(PiTableId table, PiMatchKey match, int priority) {
    this.table = table;
    this.match = match;
    this.priority = priority;
    int h = table.hashCode() * 31 + priority;
    for (PiFieldMatch m : match.fieldMatches()) {
      h += mix(m.hashCode()); // a sum: the order of the fields does not matter, as in PiMatchKey.equals
    }
    this.hash = mix(h);
  }

  public static EntryKey of(PiTableEntry e) {
    return new EntryKey(e.table(), e.matchKey(), e.priority().orElse(0));
  }

  public PiTableId table() {
    return table;
  }

  public PiMatchKey match() {
    return match;
  }

  public int priority() {
    return priority;
  }

  /** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntryKey k && hash == k.hash && priority == k.priority && table.equals(k.table)
        && match.equals(k.match);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return table + match.toString() + (priority == 0 ? "" : " priority " + priority);
  }
}
