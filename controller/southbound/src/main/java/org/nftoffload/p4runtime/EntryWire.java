package org.nftoffload.p4runtime;

import p4.v1.P4RuntimeOuterClass.TableEntry;

/**
 * Reads the key of a table entry in its canonical wire form ({@link ReadClient#canonicalBytes}) without decoding
 * it: P4Runtime's key is the table id, the match fields and the priority. Canonical bytes carry their fields in
 * field-number order, so the table id and match fields are a prefix, and two entries have equal keys exactly when
 * those prefixes and their priorities are equal. Lets callers keep entries as bytes and index them by key.
 */
public final class EntryWire {

  private static final int WT_VARINT = 0;
  private static final int WT_I64 = 1;
  private static final int WT_LEN = 2;
  private static final int WT_I32 = 5;

  private EntryWire() {}

  /**
   * A hash of a key's bytes {@code b[0, length)} and its priority: FNV-1a, then MurmurHash3's finaliser. Flow keys
   * from consecutive hosts and ports spread over all slots of a table; {@code Arrays.hashCode}'s base-31 polynomial
   * maps flows that differ in an address and a port onto few values (36k distinct of 200k keys measured).
   */
  public static int keyHash(byte[] b, int length, int priority) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < length; i++) {
      h = (h ^ (b[i] & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ priority) * 0x100000001b3L;
    int x = (int) (h ^ (h >>> 32));
    x ^= x >>> 16;
    x *= 0x85ebca6b;
    x ^= x >>> 13;
    x *= 0xc2b2ae35;
    return x ^ (x >>> 16);
  }

  /** Length of the key prefix: the table id and the match fields. */
  public static int keyLength(byte[] entry) {
    int p = 0;
    while (p < entry.length) {
      long tag = varint(entry, p);
      int field = (int) (tag >>> 3);
      if (field != TableEntry.TABLE_ID_FIELD_NUMBER && field != TableEntry.MATCH_FIELD_NUMBER) {
        return p;
      }
      p = skip(entry, varintEnd(entry, p), (int) tag & 7);
    }
    return p;
  }

  /** The entry's numeric P4 table id (0 when it has none). */
  public static long tableId(byte[] entry) {
    return tableId(entry, 0, entry.length);
  }

  /** The numeric P4 table id of the entry in {@code b[from, to)} (0 when it has none). */
  public static long tableId(byte[] b, int from, int to) {
    if (to > from && (varint(b, from, to) >>> 3) == TableEntry.TABLE_ID_FIELD_NUMBER) {
      return varint(b, varintEnd(b, from, to), to);
    }
    return 0;
  }

  /** The entry's priority (0 when it has none). */
  public static int priority(byte[] entry) {
    return priority(entry, 0, entry.length);
  }

  /** The priority of the entry in {@code b[from, to)}: entries kept inside a larger array. */
  public static int priority(byte[] b, int from, int to) {
    int p = from;
    while (p < to) {
      long tag = varint(b, p, to);
      int field = (int) (tag >>> 3);
      p = varintEnd(b, p, to);
      if (field == TableEntry.PRIORITY_FIELD_NUMBER && (tag & 7) == WT_VARINT) {
        return (int) varint(b, p, to);
      }
      if (field > TableEntry.PRIORITY_FIELD_NUMBER) {
        return 0;
      }
      p = skip(b, p, (int) tag & 7, to);
    }
    return 0;
  }

  private static long varint(byte[] b, int p) {
    return varint(b, p, b.length);
  }

  private static long varint(byte[] b, int p, int end) {
    long v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
      byte x = b[p++];
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("truncated varint in table entry bytes");
  }

  private static int varintEnd(byte[] b, int p) {
    return varintEnd(b, p, b.length);
  }

  private static int varintEnd(byte[] b, int p, int end) {
    while (p < end && b[p] < 0) {
      p++;
    }
    if (p >= end) {
      throw new IllegalArgumentException("truncated varint in table entry bytes");
    }
    return p + 1;
  }

  private static int skip(byte[] b, int p, int wireType) {
    return skip(b, p, wireType, b.length);
  }

  /** Position after a field's value that starts at {@code p}. */
  private static int skip(byte[] b, int p, int wireType, int limit) {
    int end = switch (wireType) {
      case WT_VARINT -> varintEnd(b, p, limit);
      case WT_I64 -> p + 8;
      case WT_LEN -> varintEnd(b, p, limit) + (int) varint(b, p, limit);
      case WT_I32 -> p + 4;
      default -> throw new IllegalArgumentException("wire type " + wireType + " in table entry bytes");
    };
    if (end > limit || end < p) {
      throw new IllegalArgumentException("truncated field in table entry bytes");
    }
    return end;
  }
}
