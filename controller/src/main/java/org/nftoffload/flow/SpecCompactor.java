package org.nftoffload.flow;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Makes a flow spec share the objects many flows have in common before the flow manager keeps it: interface and
 * agent names (decoded afresh from every agent message) and addresses (the server, the router's masquerade address,
 * a client with many connections). A kept flow then costs its own fields, not four addresses and four strings. The
 * result equals the input. Bounded: names are kept up to a fixed count, addresses in a small direct-mapped cache
 * where a new address simply replaces the one in its slot. Not thread-safe: the flow manager's event thread owns it.
 */
final class SpecCompactor {

  private static final int MAX_NAMES = 4096;
  private static final int ADDRESS_SLOTS = 1024; // a power of two

  private final Map<String, String> names = new HashMap<>();
  private final InetAddress[] addresses = new InetAddress[ADDRESS_SLOTS];

  FlowSpec compact(FlowSpec s) {
    Tuple original = tuple(s.original().tuple());
    FlowId id = new FlowId(name(s.id().agent()), s.id().zone(), original);
    return new FlowSpec(id, s.conntrackId(), direction(s.original(), original), direction(s.reply(),
        tuple(s.reply().tuple())));
  }

  private Direction direction(Direction d, Tuple t) {
    return new Direction(t, name(d.ingress()), name(d.egress()), d.sourceMac(), d.destinationMac(), d.ingressVlan(),
        d.egressVlan());
  }

  private Tuple tuple(Tuple t) {
    return new Tuple(address(t.source()), address(t.destination()), t.protocol(), t.sourcePort(),
        t.destinationPort());
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

  InetAddress address(InetAddress a) {
    int h = a.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    int slot = h & (ADDRESS_SLOTS - 1);
    InetAddress known = addresses[slot];
    if (a.equals(known)) {
      return known;
    }
    addresses[slot] = a;
    return a;
  }
}
