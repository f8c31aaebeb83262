package org.nftoffload.flow;

import java.util.Arrays;

/**
 * Flows by a hash of something they hold: an open-addressing table (linear probing, no tombstones, load factor 0.75)
 * whose slots hold the hash and the flow itself, and which compares a looked-up key with the flow's own fields. So
 * indexing a flow costs a slot, not a key object and a map node that every young collection would copy. A deleted
 * slot's hole is filled by moving back the later slots of its probe run whose home is not between the hole and them.
 * Not thread-safe: the flow manager's thread owns it.
 */
abstract class FlowIndex {

  private int[] hashes = new int[16];
  private Flow[] flows = new Flow[16];
  private int size;

  /** Whether {@code f} is what {@code key} looks up. */
  abstract boolean matches(Flow f, Object key);

  final int size() {
    return size;
  }

  /** The first flow under {@code hash} that {@code key} matches, or null. */
  final Flow find(int hash, Object key) {
    int mask = flows.length - 1;
    for (int i = hash & mask; flows[i] != null; i = (i + 1) & mask) {
      if (hashes[i] == hash && matches(flows[i], key)) {
        return flows[i];
      }
    }
    return null;
  }

  /** Whether {@code f} itself is indexed under {@code hash}. */
  final boolean holds(int hash, Flow f) {
    return slotOf(hash, f) >= 0;
  }

  /** Indexes {@code f} under {@code hash}. */
  final void add(int hash, Flow f) {
    if ((size + 1) * 4L > flows.length * 3L) {
      grow();
    }
    insert(hash, f);
  }

  /** Drops one slot holding {@code f} under {@code hash}, if there is one. */
  final void remove(int hash, Flow f) {
    int i = slotOf(hash, f);
    if (i < 0) {
      return;
    }
    int mask = flows.length - 1;
    flows[i] = null;
    size--;
    int hole = i;
    for (int j = (i + 1) & mask; flows[j] != null; j = (j + 1) & mask) {
      int home = hashes[j] & mask;
      // j's flow may fill the hole when its home is not cyclically within (hole, j]
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        hashes[hole] = hashes[j];
        flows[hole] = flows[j];
        flows[j] = null;
        hole = j;
      }
    }
  }

  /** The slots, in a fresh array with nulls between the flows (a flow indexed twice appears twice). */
  final Flow[] slots() {
    return Arrays.copyOf(flows, flows.length);
  }

  private int slotOf(int hash, Flow f) {
    int mask = flows.length - 1;
    for (int i = hash & mask; flows[i] != null; i = (i + 1) & mask) {
      if (flows[i] == f && hashes[i] == hash) {
        return i;
      }
    }
    return -1;
  }

  private void insert(int hash, Flow f) {
    int mask = flows.length - 1;
    int i = hash & mask;
    while (flows[i] != null) {
      i = (i + 1) & mask;
    }
    hashes[i] = hash;
    flows[i] = f;
    size++;
  }

  private void grow() {
    int[] h = hashes;
    Flow[] f = flows;
    hashes = new int[h.length * 2];
    flows = new Flow[h.length * 2];
    size = 0;
    for (int i = 0; i < h.length; i++) {
      if (f[i] != null) {
        insert(h[i], f[i]);
      }
    }
  }
}
