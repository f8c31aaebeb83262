package org.nftoffload.device;

import java.util.Arrays;
import org.nftoffload.p4runtime.EntryWire;

/**
 * A device's desired state and mirror: for each entry key, the desired entry and the entry last acknowledged, both
 * as canonical {@code TableEntry} wire bytes ({@link org.nftoffload.p4runtime.ReadClient#canonicalBytes}). An open
 * addressing table (linear probing, parallel arrays) so that an entry costs its bytes and three array slots, not map
 * nodes and holder objects: the device keeps two per offloaded flow. When the mirror equals the desired entry (the
 * steady state) both slots point at the same array. A key is present while it has a desired or a mirrored entry.
 * Not thread-safe: the device guards it.
 */
final class EntryTable {

  /**
   * An entry key read from canonical bytes: table id and match fields (a prefix of the bytes) and priority. Equal
   * keys are the same P4Runtime entry; usable as a map key.
   */
  static final class Key {
    final byte[] bytes;
    private final int keyLength;
    private final int priority;
    private final int hash;

    Key(byte[] entry) {
      this.bytes = entry;
      this.keyLength = EntryWire.keyLength(entry);
      this.priority = EntryWire.priority(entry);
      this.hash = hash(entry, keyLength, priority);
    }

    /** Whether {@code entry} (canonical bytes) has this key. */
    boolean keyOf(byte[] entry) {
      // Equal prefixes, and the other's key ends there too (no further match field; the table id never repeats).
      return entry.length >= keyLength && Arrays.equals(bytes, 0, keyLength, entry, 0, keyLength)
          && (entry.length == keyLength || entry[keyLength] != MATCH_TAG)
          && EntryWire.priority(entry) == priority;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && keyOf(k.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** The tag byte of a {@code TableEntry.match} field (field 2, length-delimited). */
  private static final byte MATCH_TAG = (2 << 3) | 2;

  private int[] hashes = new int[16];
  private byte[][] desired = new byte[16][];
  private byte[][] mirror = new byte[16][];
  private int size;

  /** Keys present (with a desired or a mirrored entry). */
  int size() {
    return size;
  }

  byte[] desired(Key k) {
    int i = find(k);
    return i < 0 ? null : desired[i];
  }

  byte[] mirror(Key k) {
    int i = find(k);
    return i < 0 ? null : mirror[i];
  }

  /** Sets (null: drops) the desired entry of {@code k}; {@code entry} must have that key. */
  void setDesired(Key k, byte[] entry) {
    set(k, entry, true);
  }

  /** Sets (null: drops) the mirrored entry of {@code k}; {@code entry} must have that key. */
  void setMirror(Key k, byte[] entry) {
    set(k, entry, false);
  }

  /** Drops every mirrored entry (keys with no desired entry go away). */
  void clearMirror() {
    byte[][] d = desired;
    int[] h = hashes;
    int n = 0;
    hashes = new int[h.length];
    desired = new byte[h.length][];
    mirror = new byte[h.length][];
    size = 0;
    for (int i = 0; i < d.length; i++) {
      if (d[i] != null) {
        insert(h[i], d[i], null);
        n++;
      }
    }
    assert n == size;
  }

  /** Calls {@code action} with each key's desired and mirrored entry (either may be null, not both). */
  void forEach(java.util.function.BiConsumer<byte[], byte[]> action) {
    for (int i = 0; i < hashes.length; i++) {
      if (desired[i] != null || mirror[i] != null) {
        action.accept(desired[i], mirror[i]);
      }
    }
  }

  private void set(Key k, byte[] entry, boolean wanted) {
    int i = find(k);
    if (entry == null) {
      if (i < 0) {
        return;
      }
      if (wanted) {
        desired[i] = null;
      } else {
        mirror[i] = null;
      }
      if (desired[i] == null && mirror[i] == null) {
        remove(i);
      }
      return;
    }
    if (i < 0) {
      if ((size + 1) * 4L > hashes.length * 3L) { // load factor 0.75
        grow();
      }
      insert(k.hash, wanted ? entry : null, wanted ? null : entry);
      return;
    }
    byte[] other = wanted ? mirror[i] : desired[i];
    byte[] shared = other != null && Arrays.equals(other, entry) ? other : entry;
    if (wanted) {
      desired[i] = shared;
    } else {
      mirror[i] = shared;
    }
  }

  private boolean used(int i) {
    return desired[i] != null || mirror[i] != null;
  }

  private int find(Key k) {
    int mask = hashes.length - 1;
    for (int i = k.hash & mask; used(i); i = (i + 1) & mask) {
      if (hashes[i] == k.hash && k.keyOf(desired[i] != null ? desired[i] : mirror[i])) {
        return i;
      }
    }
    return -1;
  }

  private void insert(int hash, byte[] d, byte[] m) {
    int mask = hashes.length - 1;
    int i = hash & mask;
    while (used(i)) {
      i = (i + 1) & mask;
    }
    hashes[i] = hash;
    desired[i] = d;
    mirror[i] = m;
    size++;
  }

  /** Empties slot {@code i} and moves later entries of its probe run back (no tombstones). */
  private void remove(int i) {
    int mask = hashes.length - 1;
    desired[i] = null;
    mirror[i] = null;
    size--;
    int hole = i;
    for (int j = (i + 1) & mask; used(j); j = (j + 1) & mask) {
      int home = hashes[j] & mask;
      // j's entry may fill the hole when its home is not cyclically within (hole, j]
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        hashes[hole] = hashes[j];
        desired[hole] = desired[j];
        mirror[hole] = mirror[j];
        desired[j] = null;
        mirror[j] = null;
        hole = j;
      }
    }
  }

  private void grow() {
    int[] h = hashes;
    byte[][] d = desired;
    byte[][] m = mirror;
    hashes = new int[h.length * 2];
    desired = new byte[h.length * 2][];
    mirror = new byte[h.length * 2][];
    size = 0;
    for (int i = 0; i < h.length; i++) {
      if (d[i] != null || m[i] != null) {
        insert(h[i], d[i], m[i]);
      }
    }
  }

  /**
   * FNV-1a over the key bytes and the priority, then MurmurHash3's finaliser: flow keys from consecutive hosts and
   * ports spread over all slots (a test checks distinct keys get distinct hashes in bulk).
   */
  static int hash(byte[] entry, int keyLength, int priority) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < keyLength; i++) {
      h = (h ^ (entry[i] & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ priority) * 0x100000001b3L;
    int x = (int) (h ^ (h >>> 32));
    x ^= x >>> 16;
    x *= 0x85ebca6b;
    x ^= x >>> 13;
    x *= 0xc2b2ae35;
    return x ^ (x >>> 16);
  }
}
