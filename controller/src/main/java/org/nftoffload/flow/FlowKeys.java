package org.nftoffload.flow;

/**
 * The flows by the match keys of their two entries: how an entry read back, an idle-timeout notification or a new
 * flow's key clash finds its flow. The keys stay in the flows as plain values (see {@link FlowIndex}); a flow is
 * indexed once under each key's hash. Should both of a flow's keys have one hash, its two slots are interchangeable:
 * a lookup matches either key, and removing one key drops one of them.
 */
final class FlowKeys extends FlowIndex {

  @Override
  boolean matches(Flow f, Object key) {
    EntryKey k = (EntryKey) key;
    return f.hasKey(false, k) || f.hasKey(true, k);
  }

  /** The flow with an entry of key {@code k}, or null. */
  Flow get(EntryKey k) {
    return find(k.hashCode(), k);
  }

  /** Indexes one of {@code f}'s keys, which no other flow may hold. */
  void put(Flow f, boolean reply) {
    add(f.keyHash(reply), f);
  }

  /** Drops one of {@code f}'s keys, if {@code f} is what the index holds for it. */
  void remove(Flow f, boolean reply) {
    remove(f.keyHash(reply), f);
  }
}
