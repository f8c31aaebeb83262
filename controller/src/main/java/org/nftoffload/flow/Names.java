package org.nftoffload.flow;

import java.util.HashMap;
import java.util.Map;

/**
 * Shares the names flows have in common (agent and interface names, decoded afresh from every agent message) before
 * a {@link Flow} keeps them: a kept flow then holds references to a few shared strings, not four strings of its own.
 * Bounded: names are kept up to a fixed count; past it a name is used as given. Not thread-safe: the flow manager's
 * thread owns it.
 */
final class Names {

  private static final int MAX_NAMES = 4096;

  private final Map<String, String> names = new HashMap<>();

  /** A spec equal to {@code s} whose agent and interface names are the shared ones. */
  FlowSpec share(FlowSpec s) {
    Tuple original = s.original().tuple();
    return new FlowSpec(new FlowId(name(s.id().agent()), s.id().zone(), original), s.conntrackId(),
        direction(s.original()), direction(s.reply()));
  }

  private Direction direction(Direction d) {
    return new Direction(d.tuple(), name(d.ingress()), name(d.egress()), d.sourceMac(), d.destinationMac(),
        d.ingressVlan(), d.egressVlan());
  }

  String name(String n) {
    String known = names.get(n);
    if (known != null) {
      return known;
    }
    if (names.size() < MAX_NAMES) {
      names.put(n, n);
    }
    return n;
  }
}
