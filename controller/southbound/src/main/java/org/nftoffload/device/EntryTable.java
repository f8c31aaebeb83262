package org.nftoffload.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nftoffload.p4runtime.EntryWire;

/**
 * A device's desired state and mirror: for each entry key, the desired entry and the entry last acknowledged, both
 * as canonical {@code TableEntry} wire bytes ({@link org.nftoffload.p4runtime.ReadClient#canonicalBytes}). An open
 * addressing table (linear probing, parallel arrays) whose slots hold references into a {@link Slab}: the entries
 * live in a few large pages off the heap rather than one array each, so that collections copy none of them (the
 * device keeps two per offloaded flow, and copying them was a third of the pauses at high flow rates). When the
 * mirror equals the desired entry (the steady state) both slots hold the same reference. A key is present while it
 * has a desired or a mirrored entry. Reads return copies. Not thread-safe: the device guards it.
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
      return keyOf(entry, 0, entry.length);
    }

    /** Whether the canonical bytes at {@code b[from, to)} have this key. */
    boolean keyOf(byte[] b, int from, int to) {
      // Equal prefixes, and the other's key ends there too (no further match field; the table id never repeats).
      int length = to - from;
      return length >= keyLength && Arrays.equals(bytes, 0, keyLength, b, from, from + keyLength)
          && (length == keyLength || b[from + keyLength] != MATCH_TAG)
          && EntryWire.priority(b, from, to) == priority;
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

  private static final int NONE = -1;

  private final Slab slab = new Slab();
  private int[] hashes = new int[16];
  private int[] desired = none(16);
  private int[] mirror = none(16);
  private int size;

  private static int[] none(int n) {
    int[] a = new int[n];
    Arrays.fill(a, NONE);
    return a;
  }

  /** Keys present (with a desired or a mirrored entry). */
  int size() {
    return size;
  }

  /** Slab slots holding entries: one per key whose mirror equals its desired entry. */
  int storedEntries() {
    return slab.slots();
  }

  /** Slab pages allocated (for tests: churn must reuse slots). */
  int pages() {
    return slab.pageCount - slab.freePageCount;
  }

  byte[] desired(Key k) {
    int i = find(k);
    return i < 0 ? null : slab.copy(desired[i]);
  }

  byte[] mirror(Key k) {
    int i = find(k);
    return i < 0 ? null : slab.copy(mirror[i]);
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
    int[] h = hashes;
    int[] d = desired;
    int[] m = mirror;
    hashes = new int[h.length];
    desired = none(h.length);
    mirror = none(h.length);
    size = 0;
    for (int i = 0; i < h.length; i++) {
      if (m[i] != NONE && m[i] != d[i]) {
        slab.free(m[i]);
      }
      if (d[i] != NONE) {
        insert(h[i], d[i], NONE);
      }
    }
  }

  /** Keys with a desired entry. */
  int desiredCount() {
    int n = 0;
    for (int d : desired) {
      n += d != NONE ? 1 : 0;
    }
    return n;
  }

  /**
   * Mirrored entries per numeric table id, read in place; {@code samples} gets one copied entry of each table (to
   * name it).
   */
  Map<Long, Integer> mirrorCounts(Map<Long, byte[]> samples) {
    Map<Long, Integer> counts = new HashMap<>();
    for (int m : mirror) {
      if (m != NONE) {
        long id = EntryWire.tableId(slab.peek(m), 0, slab.length(m));
        if (counts.merge(id, 1, Integer::sum) == 1) {
          samples.put(id, slab.copy(m));
        }
      }
    }
    return counts;
  }

  /** Calls {@code action} with each key's desired and mirrored entry (either may be null, not both). */
  void forEach(java.util.function.BiConsumer<byte[], byte[]> action) {
    for (int i = 0; i < hashes.length; i++) {
      if (used(i)) {
        byte[] d = slab.copy(desired[i]);
        action.accept(d, mirror[i] == desired[i] ? d : slab.copy(mirror[i]));
      }
    }
  }

  private void set(Key k, byte[] entry, boolean wanted) {
    int i = find(k);
    if (entry == null) {
      if (i < 0) {
        return;
      }
      drop(i, wanted);
      if (!used(i)) {
        remove(i);
      }
      return;
    }
    if (i < 0) {
      if ((size + 1) * 4L > hashes.length * 3L) { // load factor 0.75
        grow();
      }
      int ref = slab.store(entry);
      insert(k.hash, wanted ? ref : NONE, wanted ? NONE : ref);
      return;
    }
    int other = wanted ? mirror[i] : desired[i];
    int mine = wanted ? desired[i] : mirror[i];
    if (mine != NONE && slab.holds(mine, entry)) {
      return; // unchanged
    }
    drop(i, wanted);
    int ref = other != NONE && slab.holds(other, entry) ? other : slab.store(entry);
    if (wanted) {
      desired[i] = ref;
    } else {
      mirror[i] = ref;
    }
  }

  /** Clears one side of slot {@code i}, freeing its entry unless the other side shares it. */
  private void drop(int i, boolean wanted) {
    int ref = wanted ? desired[i] : mirror[i];
    int other = wanted ? mirror[i] : desired[i];
    if (ref != NONE && ref != other) {
      slab.free(ref);
    }
    if (wanted) {
      desired[i] = NONE;
    } else {
      mirror[i] = NONE;
    }
  }

  private boolean used(int i) {
    return desired[i] != NONE || mirror[i] != NONE;
  }

  private int find(Key k) {
    int mask = hashes.length - 1;
    for (int i = k.hash & mask; used(i); i = (i + 1) & mask) {
      if (hashes[i] == k.hash) {
        int ref = desired[i] != NONE ? desired[i] : mirror[i];
        if (k.keyOf(slab.peek(ref), 0, slab.length(ref))) {
          return i;
        }
      }
    }
    return -1;
  }

  private void insert(int hash, int d, int m) {
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

  /** Empties slot {@code i} (already dropped) and moves later entries of its probe run back (no tombstones). */
  private void remove(int i) {
    int mask = hashes.length - 1;
    desired[i] = NONE;
    mirror[i] = NONE;
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
        desired[j] = NONE;
        mirror[j] = NONE;
        hole = j;
      }
    }
  }

  private void grow() {
    int[] h = hashes;
    int[] d = desired;
    int[] m = mirror;
    hashes = new int[h.length * 2];
    desired = none(h.length * 2);
    mirror = none(h.length * 2);
    size = 0;
    for (int i = 0; i < h.length; i++) {
      if (d[i] != NONE || m[i] != NONE) {
        insert(h[i], d[i], m[i]);
      }
    }
  }

  /**
   * Entry bytes in 1 MiB pages outside the Java heap, each in a slot of whole 16-byte units with its length in the
   * first 4 bytes. Off the heap because a collector copies what survives on it: pages on the heap were still copied
   * by young collections (more than once under Parallel GC's tenuring), and were half of what a flow left to copy. A
   * reference is the page index shifted left 16 bits plus the slot's first unit. Freed slots go to a free list per
   * slot size and are reused first; an entry over a quarter page gets a page of its own, given back when it is freed.
   * Pages are never returned otherwise: the table keeps what its largest population needed. The memory goes when the
   * table becomes unreachable (an automatic arena), so a device that is removed needs no close.
   */
  static final class Slab {
    static final int PAGE = 1 << 20;
    private static final int UNIT = 16;
    private static final int LARGE = PAGE / 4;

    private final Arena arena = Arena.ofAuto();
    private MemorySegment[] pages = new MemorySegment[4];
    private int pageCount;
    private int current = -1;
    private int bump;
    private final int[][] free = new int[LARGE / UNIT + 1][];
    private final int[] freeCount = new int[LARGE / UNIT + 1];
    private int[] freePages = new int[4];
    private int freePageCount;
    private int slots;
    private byte[] scratch = new byte[256];

    int slots() {
      return slots;
    }

    int store(byte[] entry) {
      int need = 4 + entry.length;
      int units = (need + UNIT - 1) / UNIT;
      int ref;
      if (need > LARGE) {
        // its own arena, so that the page's memory goes once it is freed and unreachable
        ref = newPage(Arena.ofAuto().allocate((long) units * UNIT)) << 16;
      } else if (freeCount[units] > 0) {
        ref = free[units][--freeCount[units]];
      } else {
        if (current < 0 || bump + units * UNIT > PAGE) {
          current = newPage(arena.allocate(PAGE));
          bump = 0;
        }
        ref = current << 16 | bump / UNIT;
        bump += units * UNIT;
      }
      MemorySegment p = pages[ref >>> 16];
      long at = (long) (ref & 0xffff) * UNIT;
      p.set(LENGTH, at, entry.length);
      MemorySegment.copy(entry, 0, p, ValueLayout.JAVA_BYTE, at + 4, entry.length);
      slots++;
      return ref;
    }

    void free(int ref) {
      int need = 4 + length(ref);
      int units = (need + UNIT - 1) / UNIT;
      slots--;
      if (need > LARGE) {
        pages[ref >>> 16] = null;
        if (freePageCount == freePages.length) {
          freePages = Arrays.copyOf(freePages, freePageCount * 2);
        }
        freePages[freePageCount++] = ref >>> 16;
        return;
      }
      if (free[units] == null || freeCount[units] == free[units].length) {
        free[units] = free[units] == null ? new int[16] : Arrays.copyOf(free[units], freeCount[units] * 2);
      }
      free[units][freeCount[units]++] = ref;
    }

    /**
     * The entry at {@code ref} in a scratch array, valid until the next call, at {@code [0, length(ref))}: for reads
     * in place that allocate nothing.
     */
    byte[] peek(int ref) {
      int n = length(ref);
      if (scratch.length < n) {
        scratch = new byte[Math.max(n, scratch.length * 2)];
      }
      MemorySegment.copy(pages[ref >>> 16], ValueLayout.JAVA_BYTE, from(ref), scratch, 0, n);
      return scratch;
    }

    /** A copy of the entry at {@code ref}; null for none. */
    byte[] copy(int ref) {
      if (ref == NONE) {
        return null;
      }
      byte[] out = new byte[length(ref)];
      MemorySegment.copy(pages[ref >>> 16], ValueLayout.JAVA_BYTE, from(ref), out, 0, out.length);
      return out;
    }

    /** Whether the entry at {@code ref} is {@code entry}. */
    boolean holds(int ref, byte[] entry) {
      long from = from(ref);
      return length(ref) == entry.length
          && MemorySegment.mismatch(pages[ref >>> 16], from, from + entry.length, MemorySegment.ofArray(entry), 0,
              entry.length) < 0;
    }

    int length(int ref) {
      return pages[ref >>> 16].get(LENGTH, (long) (ref & 0xffff) * UNIT);
    }

    private static long from(int ref) {
      return (long) (ref & 0xffff) * UNIT + 4;
    }

    private int newPage(MemorySegment page) {
      if (freePageCount > 0) {
        int i = freePages[--freePageCount];
        pages[i] = page;
        return i;
      }
      if (pageCount == pages.length) {
        pages = Arrays.copyOf(pages, pageCount * 2);
      }
      if (pageCount > Short.MAX_VALUE) {
        throw new IllegalStateException("entry table over " + Short.MAX_VALUE + " pages");
      }
      pages[pageCount] = page;
      return pageCount++;
    }
  }

  private static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT_UNALIGNED;

  /** See {@link EntryWire#keyHash} (a test checks distinct keys get distinct hashes in bulk). */
  static int hash(byte[] entry, int keyLength, int priority) {
    return EntryWire.keyHash(entry, keyLength, priority);
  }
}
