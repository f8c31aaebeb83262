package org.nftoffload.flow;

import java.util.Arrays;

/**
 * The flows by identity: an open-addressing table (linear probing, no tombstones) of the flows themselves, each
 * compared with a looked-up {@link FlowId} field by field. So a tracked flow costs one slot here, not a map node and a
 * key object that every young collection would copy. Written only by the flow manager's thread; other threads get a
 * copy of the slots from that thread ({@link #slots()}).
 */
final class FlowIds extends ProbeTable {

  private int[] hashes = new int[16];
  private Flow[] flows = new Flow[16];
  private int size;

  int size() {
    return size;
  }

  /** The flow with identity {@code id}, or null. */
  Flow get(FlowId id) {
    int mask = flows.length - 1;
    int h = id.hashCode();
    for (int i = h & mask; flows[i] != null; i = (i + 1) & mask) {
      if (hashes[i] == h && flows[i].isId(id)) {
        return flows[i];
      }
    }
    return null;
  }

  /** Whether {@code f} itself (not only a flow with its identity) is in the table. */
  boolean holds(Flow f) {
    int mask = flows.length - 1;
    for (int i = f.idHash() & mask; flows[i] != null; i = (i + 1) & mask) {
      if (flows[i] == f) {
        return true;
      }
    }
    return false;
  }

  /** Adds {@code f}, whose identity no other flow in the table may have. */
  void put(Flow f) {
    if ((size + 1) * 4L > flows.length * 3L) { // load factor 0.75
      grow();
    }
    insert(f);
  }

  /** Drops {@code f} if the table holds it. */
  void remove(Flow f) {
    int mask = flows.length - 1;
    for (int i = f.idHash() & mask; flows[i] != null; i = (i + 1) & mask) {
      if (flows[i] == f) {
        deleteAt(i);
        size--;
        return;
      }
    }
  }

  /** The flows, in a fresh array that may have nulls between them. */
  Flow[] slots() {
    return Arrays.copyOf(flows, flows.length);
  }

  private void insert(Flow f) {
    int mask = flows.length - 1;
    int i = f.idHash() & mask;
    while (flows[i] != null) {
      i = (i + 1) & mask;
    }
    hashes[i] = f.idHash();
    flows[i] = f;
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
    flows[from] = null;
  }

  @Override
  void empty(int slot) {
    flows[slot] = null;
  }

  private void grow() {
    Flow[] old = flows;
    hashes = new int[old.length * 2];
    flows = new Flow[old.length * 2];
    size = 0;
    for (Flow f : old) {
      if (f != null) {
        insert(f);
      }
    }
  }
}
