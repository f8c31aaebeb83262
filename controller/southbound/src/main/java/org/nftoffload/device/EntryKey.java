package org.nftoffload.device;

import java.nio.ByteBuffer;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiLpmFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiOptionalFieldMatch;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;

/**
 * What identifies a table entry on a device: table, match key and priority (P4Runtime's key). Built from canonical
 * entries so that a written entry and the same entry read back have equal keys.
 *
 * <p>Not a record: ONOS's {@code PiMatchKey} hash sums field hashes that are base-31 polynomials of the value
 * bytes, so flow keys that differ in an address and a port collide in bulk (66k distinct hashes for 200k flows).
 * Here the value bytes are hashed with FNV-1a and each field's hash is mixed before the sum, once per key.
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
      // a sum: the order of the fields does not matter, as in PiMatchKey.equals
      h += mix(m.fieldId().hashCode() * 0x9e3779b9 + valueHash(m));
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

  private static int valueHash(PiFieldMatch m) {
    return switch (m) {
      case PiExactFieldMatch e -> bytesHash(e.value());
      case PiTernaryFieldMatch t -> bytesHash(t.value()) * 31 + bytesHash(t.mask());
      case PiRangeFieldMatch r -> bytesHash(r.lowValue()) * 31 + bytesHash(r.highValue());
      case PiLpmFieldMatch l -> bytesHash(l.value()) * 31 + l.prefixLength();
      case PiOptionalFieldMatch o -> bytesHash(o.value());
      default -> m.hashCode();
    };
  }

  /** FNV-1a over the value's bytes (read in place), folded to 32 bits. */
  private static int bytesHash(ImmutableByteSequence value) {
    ByteBuffer b = value.asReadOnlyBuffer();
    long h = 0xcbf29ce484222325L;
    for (int i = b.position(); i < b.limit(); i++) {
      h = (h ^ (b.get(i) & 0xff)) * 0x100000001b3L;
    }
    return (int) (h ^ (h >>> 32));
  }
}
