package org.nftoffload.flow;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.nftoffload.p4.FlowtableP4.FlowV6;
import org.nftoffload.p4runtime.ExactEntryEncoder;

/**
 * A flow's entries as canonical P4Runtime wire bytes, written from the values {@link FlowEntries#fill} gives with the
 * pipeline's {@link ExactEntryEncoder}: the flow manager's path to the devices builds no PI objects. The bytes equal
 * the device client's canonical bytes of the PI entries {@link FlowEntries#of} builds (tested), so the device layer
 * keys, stores and writes them as they are. Scratch arrays are reused: one instance per thread.
 */
final class FlowWire {

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes
  }

  /** One entry: its key as the flow manager indexes it, and its bytes. */
  record Entry(EntryKey key, byte[] bytes) {}

  /** Where each value of an action's entries goes in P4Info order. */
  private record Layout(ExactEntryEncoder.Shape shape, int[] keyAt, int[] paramAt) {}

  private final Map<FlowtableP4.Action, Layout> layouts = new IdentityHashMap<>();
  private final long idleTimeoutNs;
  private final FlowEntries.Values values = new FlowEntries.Values();
  private final long[] keyLongs = new long[6];
  private final byte[][] keyBytes = new byte[6][];
  private final long[] paramLongs = new long[8];
  private final byte[][] paramBytes = new byte[8][];

  FlowWire(ExactEntryEncoder encoder, Duration idleTimeout) {
    for (FlowtableP4.Table t : List.of(FlowV4.TABLE, FlowV6.TABLE)) {
      for (FlowtableP4.Action a : t.actions()) {
        ExactEntryEncoder.Shape s = encoder.shape(t.id(), a.id());
        layouts.put(a, new Layout(s, t.key().stream().mapToInt(f -> s.keyPosition(f.id())).toArray(),
            a.params().stream().mapToInt(p -> s.paramPosition(p.id())).toArray()));
      }
    }
    // as the PI entry carries it (seconds as a double) and the client's encoder rounds it back
    this.idleTimeoutNs = Math.round(idleTimeout.toNanos() / 1e9 * 1e9);
  }

  Entry original(FlowSpec flow, FlowEntries.Placement at) {
    return entry(flow.original(), flow.reply(), at.originalIn(), at.originalOut());
  }

  Entry reply(FlowSpec flow, FlowEntries.Placement at) {
    return entry(flow.reply(), flow.original(), at.replyIn(), at.replyOut());
  }

  private Entry entry(Direction d, Direction opposite, int ingressPort, int egressPort) {
    FlowEntries.Values v = FlowEntries.fill(d, opposite, ingressPort, egressPort, values);
    Layout l = layouts.get(v.action);
    for (int i = 0; i < l.keyAt.length; i++) {
      keyLongs[l.keyAt[i]] = v.keyLongs[i];
      keyBytes[l.keyAt[i]] = v.keyBytes[i];
    }
    for (int i = 0; i < l.paramAt.length; i++) {
      paramLongs[l.paramAt[i]] = v.paramLongs[i];
      paramBytes[l.paramAt[i]] = v.paramBytes[i];
    }
    return new Entry(EntryKey.of(v), l.shape.encode(keyLongs, keyBytes, paramLongs, paramBytes, idleTimeoutNs));
  }
}
