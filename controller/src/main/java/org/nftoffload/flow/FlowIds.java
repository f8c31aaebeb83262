package org.nftoffload.flow;

/**
 * The flows by identity, each compared with a looked-up {@link FlowId} field by field (see {@link FlowIndex}). Other
 * threads get a copy of the slots taken on the flow manager's thread ({@link #slots()}).
 */
final class FlowIds extends FlowIndex {

  @Override
  boolean matches(Flow f, Object key) {
    return f.isId((FlowId) key);
  }

  /** The flow with identity {@code id}, or null. */
  Flow get(FlowId id) {
    return find(id.hashCode(), id);
  }

  /** Whether {@code f} itself (not only a flow with its identity) is in the table. */
  boolean holds(Flow f) {
    return holds(f.idHash(), f);
  }

  /** Adds {@code f}, whose identity no other flow in the table may have. */
  void put(Flow f) {
    add(f.idHash(), f);
  }

  /** Drops {@code f} if the table holds it. */
  void remove(Flow f) {
    remove(f.idHash(), f);
  }
}
