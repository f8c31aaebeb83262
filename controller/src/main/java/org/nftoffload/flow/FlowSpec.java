package org.nftoffload.flow;

import java.util.Objects;

/**
 * A connection an agent asks to offload: both directions with their forwarding, as in the agent protocol's
 * {@code FlowAdd}. Address translation is implicit, as in conntrack: the reply tuple reversed differs from the
 * original tuple where NAT applies, and each direction's rewrite is taken from the other direction's tuple.
 *
 * @param id the flow's identity
 * @param conntrackId the conntrack id the agent reported (informational)
 * @param original the direction of the first packet
 * @param reply the answer direction
 */
public record FlowSpec(FlowId id, long conntrackId, Direction original, Direction reply) {

  public FlowSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(original, "original");
    Objects.requireNonNull(reply, "reply");
    if (!id.original().equals(original.tuple())) {
      throw new IllegalArgumentException("flow " + id + ": id and original path name different tuples");
    }
    if (original.tuple().ipv4() != reply.tuple().ipv4()) {
      throw new IllegalArgumentException("flow " + id + ": original and reply tuples differ in IP version");
    }
    if (original.tuple().protocol() != reply.tuple().protocol()) {
      throw new IllegalArgumentException("flow " + id + ": original and reply tuples differ in protocol");
    }
  }

  /** Whether either direction's addresses or ports are rewritten. */
  public boolean nat() {
    return !reply.tuple().reversed().equals(original.tuple());
  }
}
