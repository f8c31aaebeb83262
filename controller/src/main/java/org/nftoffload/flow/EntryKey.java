package org.nftoffload.flow;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtableP4.FlowV6;
import org.nftoffload.p4.FlowtableP4.MatchField;
import org.nftoffload.p4runtime.EntryWire;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * The match key of a flow_v4/flow_v6 entry packed into a few bytes (table, then each field at its bit width rounded
 * up to bytes, in key order): how the flow manager finds the flow an entry read back or an idle-timeout notification
 * belongs to, whatever byte widths the device used. Compact on purpose: two are kept per offloaded flow (a flow_v4
 * key is two longs, 24 bytes with the object).
 */
public final class EntryKey {

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes
  }

  // A flow_v4 key is 16 bytes: held in two longs, with no array behind it; longer keys (flow_v6) keep the array.
  private final long high;
  private final long low;
  private final byte[] bytes; // null when the key is in high/low
  private final int hash;

  // The content, for holders that keep keys without the objects: a flow_v4 key is high and low, a longer key is wide.
  long high() {
    return high;
  }

  long low() {
    return low;
  }

  byte[] wide() {
    return bytes;
  }

  /** Whether this key has the given content. */
  boolean is(long high, long low, byte[] wide) {
    return this.high == high && this.low == low && Arrays.equals(bytes, wide);
  }

  private EntryKey(byte[] bytes) {
    this.hash = hash(bytes);
    if (bytes.length == 16) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      this.high = b.getLong();
      this.low = b.getLong();
      this.bytes = null;
    } else {
      this.high = 0;
      this.low = 0;
      this.bytes = bytes;
    }
  }

  private byte[] bytes() {
    return bytes != null ? bytes : java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
  }

  /** The key of a flow_v4 or flow_v6 entry; throws IllegalArgumentException for other tables or partial keys. */
  public static EntryKey of(PiTableEntry entry) {
    PiTableId table = entry.table();
    List<MatchField> fields;
    byte tag;
    if (table.equals(FlowV4.TABLE.id())) {
      fields = FlowV4.TABLE.key();
      tag = 4;
    } else if (table.equals(FlowV6.TABLE.id())) {
      fields = FlowV6.TABLE.key();
      tag = 6;
    } else {
      throw new IllegalArgumentException("not a flow table: " + table);
    }
    int size = 1;
    for (MatchField f : fields) {
      size += (f.bitWidth() + 7) / 8;
    }
    byte[] out = new byte[size];
    out[0] = tag;
    int at = 1;
    for (MatchField f : fields) {
      int width = (f.bitWidth() + 7) / 8;
      PiFieldMatch m = entry.matchKey().fieldMatch(f.id()).orElseThrow(
          () -> new IllegalArgumentException(table + ": entry has no " + f.id()));
      if (!(m instanceof PiExactFieldMatch exact)) {
        throw new IllegalArgumentException(table + ": " + f.id() + " is not an exact match");
      }
      byte[] v = new BigInteger(1, exact.value().asArray()).toByteArray();
      int skip = 0;
      while (v.length - skip > width && v[skip] == 0) {
        skip++;
      }
      if (v.length - skip > width) {
        throw new IllegalArgumentException(table + ": " + f.id() + " wider than " + f.bitWidth() + " bits");
      }
      System.arraycopy(v, skip, out, at + width - (v.length - skip), v.length - skip);
      at += width;
    }
    return new EntryKey(out);
  }

  /** The key of the entry whose values are {@code v}: equal to {@link #of(PiTableEntry)} of that entry. */
  static EntryKey of(FlowEntries.Values v) {
    List<MatchField> fields = v.table.key();
    int size = 1;
    for (MatchField f : fields) {
      size += (f.bitWidth() + 7) / 8;
    }
    byte[] out = new byte[size];
    out[0] = v.table == FlowV4.TABLE ? (byte) 4 : (byte) 6;
    int at = 1;
    for (int i = 0; i < fields.size(); i++) {
      int width = (fields.get(i).bitWidth() + 7) / 8;
      byte[] b = v.keyBytes[i];
      if (b != null) {
        if (b.length != width) {
          throw new IllegalArgumentException(fields.get(i).id() + ": " + b.length + " bytes, want " + width);
        }
        System.arraycopy(b, 0, out, at, width);
      } else {
        for (int k = 0; k < width; k++) {
          out[at + k] = (byte) (v.keyLongs[i] >>> (8 * (width - 1 - k)));
        }
      }
      at += width;
    }
    return new EntryKey(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntryKey k && k.hash == hash && k.high == high && k.low == low
        && Arrays.equals(k.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes());
  }

  /** See {@link EntryWire#keyHash}: a flow key has no priority. */
  private static int hash(byte[] bytes) {
    return EntryWire.keyHash(bytes, bytes.length, 0);
  }
}
