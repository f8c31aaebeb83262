package org.nftoffload.flow;

/**
 * The flows by the match keys of their two entries: how an entry read back, an idle-timeout notification or a new
 * flow's key clash finds its flow. An open-addressing table (linear probing, no tombstones) whose slots hold the
 * flow and which of its keys the slot is for; the keys stay in the flows as plain values. So an offloaded flow costs
 * two slots here, not two key objects and two map nodes that every young collection would copy. Not thread-safe:
 * the flow manager's thread owns it.
 */
final class FlowKeys extends ProbeTable {

  private int[] hashes = new int[16];
  private Flow[] flows = new Flow[16];
  private boolean[] replies = new boolean[16];
  private int size;

  int size() {
    return size;
  }

  /** The flow with an entry of key {@code k}, or null. */
  Flow get(EntryKey k) {
    int mask = flows.length - 1;
    int h = k.hashCode();
    for (int i = h & mask; flows[i] != null; i = (i + 1) & mask) {
      if (hashes[i] == h && flows[i].hasKey(replies[i], k)) {
        return flows[i];
      }
    }
    return null;
  }

  /** Indexes one of {@code f}'s keys, which no other flow may hold. */
  void put(Flow f, boolean reply) {
    if ((size + 1) * 4L > flows.length * 3L) { // load factor 0.75
      grow();
    }
    insert(f.keyHash(reply), f, reply);
  }

  /** Drops one of {@code f}'s keys, if {@code f} is what the index holds for it. */
  void remove(Flow f, boolean reply) {
    int mask = flows.length - 1;
    int h = f.keyHash(reply);
    for (int i = h & mask; flows[i] != null; i = (i + 1) & mask) {
      if (flows[i] == f && replies[i] == reply) {
        deleteAt(i);
        size--;
        return;
      }
    }
  }

  private void insert(int hash, Flow f, boolean reply) {
    int mask = flows.length - 1;
    int i = hash & mask;
    while (flows[i] != null) {
      i = (i + 1) & mask;
    }
    hashes[i] = hash;
    flows[i] = f;
    replies[i] = reply;
    size++;
  }

  @Override
  int capacity() {
    return flows.length;
  }

  @Override
  boolean used(int slot) {
    return flows[slot] != null;
  }

  @Override
  int hash(int slot) {
    return hashes[slot];
  }

  @Override
  void move(int from, int to) {
    hashes[to] = hashes[from];
    flows[to] = flows[from];
    replies[to] = replies[from];
    flows[from] = null;
  }

  @Override
  void empty(int slot) {
    flows[slot] = null;
  }

  private void grow() {
    int[] h = hashes;
    Flow[] f = flows;
    boolean[] r = replies;
    hashes = new int[h.length * 2];
    flows = new Flow[h.length * 2];
    replies = new boolean[h.length * 2];
    size = 0;
    for (int i = 0; i < h.length; i++) {
      if (f[i] != null) {
        insert(h[i], f[i], r[i]);
      }
    }
  }
}
