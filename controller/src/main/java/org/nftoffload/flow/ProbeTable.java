package org.nftoffload.flow;

/**
 * Deletion for the flow manager's open-addressing tables (linear probing over a power-of-two number of slots, no
 * tombstones): a deleted slot's hole is filled by moving back the later slots of its probe run whose home is not
 * between the hole and them, so lookups never need to skip dead slots.
 */
abstract class ProbeTable {

  /** Slots in the table, a power of two. */
  abstract int capacity();

  abstract boolean used(int slot);

  /** The full hash of what slot {@code slot} holds. */
  abstract int hash(int slot);

  /** Moves what slot {@code from} holds to the empty slot {@code to}, leaving {@code from} empty. */
  abstract void move(int from, int to);

  abstract void empty(int slot);

  /** Empties slot {@code i} and moves later slots of its probe run back. */
  final void deleteAt(int i) {
    int mask = capacity() - 1;
    empty(i);
    int hole = i;
    for (int j = (i + 1) & mask; used(j); j = (j + 1) & mask) {
      int home = hash(j) & mask;
      // j's entry may fill the hole when its home is not cyclically within (hole, j]
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        move(j, hole);
        hole = j;
      }
    }
  }
}
