package org.nftoffload.softswitch.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of the pipeline's tables with their capacities, and each table's default action. Flow tables are
 * hash maps on the exact key; the ACL keeps its entries by (match, priority) plus an array sorted by descending
 * priority for lookups, rebuilt after a change. Flow entries with an idle timeout are also kept in an
 * {@link IdleTimer}, so aging looks only at the entries that are due. Not thread-safe: the switch serialises
 * access.
 */
public final class TableStore {

  private static final Comparator<TableEntry> BY_PRIORITY = Comparator.comparingInt(TableEntry::priority).reversed();

  private final Map<TableKind, Integer> capacities;
  private final Map<TableKind, LinkedHashMap<Object, TableEntry>> tables = new EnumMap<>(TableKind.class);
  private final Map<TableKind, Action> defaults = new EnumMap<>(TableKind.class);
  private TableEntry[] aclOrder = new TableEntry[0];
  // The ACL keys of aclOrder flattened (value, mask) x 10 fields and (low, high) x 2 ranges per entry, so the
  // scan reads contiguous memory instead of chasing a dozen objects per entry.
  private long[] aclTernary = new long[0];
  private int[] aclRanges = new int[0];
  private boolean aclDirty;
  private final IdleTimer idleTimer = new IdleTimer();
  private static final int TERNARY_WORDS = 20;
  private static final int PRESIZE_LIMIT = 1 << 18;

  /** Tables with the given capacities (every {@link TableKind} must have one). */
  public TableStore(Map<TableKind, Integer> capacities) {
    for (TableKind kind : TableKind.values()) {
      Integer cap = capacities.get(kind);
      if (cap == null || cap <= 0) {
        throw new IllegalArgumentException("table " + kind + " needs a capacity > 0, got " + cap);
      }
      // sized for the table up front (bounded): growing a large map rehashes every entry under the switch lock
      tables.put(kind, new LinkedHashMap<>(Math.min(cap, PRESIZE_LIMIT) * 4 / 3 + 1));
      defaults.put(kind, new Action.NoAction());
    }
    this.capacities = Collections.unmodifiableMap(new EnumMap<>(capacities));
  }

  public int capacity(TableKind kind) {
    return capacities.get(kind);
  }

  public int size(TableKind kind) {
    return tables.get(kind).size();
  }

  /** Adds an entry. */
  public void insert(TableEntry entry) throws TableException {
    LinkedHashMap<Object, TableEntry> t = tables.get(entry.table());
    boolean full = t.size() >= capacities.get(entry.table());
    // one hash lookup on the common path: putIfAbsent both checks and inserts
    if (full ? t.containsKey(entry.key()) : t.putIfAbsent(entry.key(), entry) != null) {
      throw new TableException(TableException.Reason.ALREADY_EXISTS, entry.table() + ": entry already exists");
    }
    if (full) {
      throw new TableException(TableException.Reason.RESOURCE_EXHAUSTED,
          entry.table() + " is full (" + t.size() + " entries)");
    }
    entry.installed = true;
    if (entry.table() == TableKind.ACL) {
      aclDirty = true;
    } else {
      idleTimer.schedule(entry); // a copy left from before a removal (undone) becomes stale
    }
  }

  /** Reschedules an installed entry's idle timer after its timeout or idle period changed (MODIFY, undo). */
  public void idleTimeoutChanged(TableEntry entry) {
    if (entry.installed && entry.table().isFlow()) {
      idleTimer.schedule(entry);
    }
  }

  /**
   * The installed flow entries idle at {@code nowNanos} (see {@link Pipeline#collectIdle()}); their idle timers
   * restart from now. Costs the entries due since the last call, not the size of the tables.
   */
  List<TableEntry> collectIdle(long nowNanos) {
    return idleTimer.collect(nowNanos);
  }

  /** Entries in the idle timer, valid or stale (tests). */
  int idleTimerCopies() {
    return idleTimer.copies();
  }

  /** The entry with {@code key} (a {@link FlowKey} or {@link TableEntry.AclKey}), or null. */
  public TableEntry find(TableKind kind, Object key) {
    return tables.get(kind).get(key);
  }

  /** Removes and returns the entry with {@code key}. */
  public TableEntry remove(TableKind kind, Object key) throws TableException {
    TableEntry e = tables.get(kind).remove(key);
    if (e == null) {
      throw new TableException(TableException.Reason.NOT_FOUND, kind + ": no such entry");
    }
    e.installed = false; // the idle timer drops it when its slot comes round
    if (kind == TableKind.ACL) {
      aclDirty = true;
    }
    return e;
  }

  /** The entries of a table in insertion order (a copy). */
  public List<TableEntry> entries(TableKind kind) {
    return new ArrayList<>(tables.get(kind).values());
  }

  public Action defaultAction(TableKind kind) {
    return defaults.get(kind);
  }

  public void defaultAction(TableKind kind, Action action) {
    defaults.put(kind, action);
  }

  /** Removes every entry and resets default actions. */
  public void clear() {
    tables.values().forEach(t -> {
      t.values().forEach(e -> e.installed = false);
      t.clear();
    });
    idleTimer.clear();
    Arrays.stream(TableKind.values()).forEach(k -> defaults.put(k, new Action.NoAction()));
    aclDirty = true;
  }

  /** The ACL entry a frame hits: the highest priority match (the first inserted among equal priorities). */
  TableEntry lookupAcl(Headers h) {
    if (aclDirty) {
      compileAcl();
    }
    long[] t = aclTernary;
    int[] r = aclRanges;
    int n = aclOrder.length;
    for (int i = 0, k = 0, q = 0; i < n; i++, k += TERNARY_WORDS, q += 4) {
      if ((h.ipv4Src & t[k + 9]) == t[k + 8] && (h.ipv4Dst & t[k + 11]) == t[k + 10]
          && h.dport >= r[q + 2] && h.dport <= r[q + 3] && h.sport >= r[q] && h.sport <= r[q + 1]
          && (h.ipProto & t[k + 7]) == t[k + 6] && (h.ethType & t[k + 3]) == t[k + 2]
          && (h.ingressPort & t[k + 1]) == t[k] && (h.vlanId & t[k + 5]) == t[k + 4]
          && (h.ipv6SrcHi & t[k + 13]) == t[k + 12] && (h.ipv6SrcLo & t[k + 15]) == t[k + 14]
          && (h.ipv6DstHi & t[k + 17]) == t[k + 16] && (h.ipv6DstLo & t[k + 19]) == t[k + 18]) {
        return aclOrder[i];
      }
    }
    return null;
  }

  private void compileAcl() {
    TableEntry[] order = tables.get(TableKind.ACL).values().toArray(new TableEntry[0]);
    Arrays.sort(order, BY_PRIORITY); // stable: insertion order breaks ties
    long[] t = new long[order.length * TERNARY_WORDS];
    int[] r = new int[order.length * 4];
    for (int i = 0; i < order.length; i++) {
      AclMatch m = ((TableEntry.AclKey) order[i].key()).match();
      AclMatch.Ternary[] fields = {m.ingressPort(), m.ethType(), m.vlanId(), m.ipProto(), m.ipv4Src(), m.ipv4Dst(),
          m.ipv6SrcHi(), m.ipv6SrcLo(), m.ipv6DstHi(), m.ipv6DstLo()};
      for (int f = 0; f < fields.length; f++) {
        t[i * TERNARY_WORDS + 2 * f] = fields[f].value();
        t[i * TERNARY_WORDS + 2 * f + 1] = fields[f].mask();
      }
      r[i * 4] = m.l4Sport().low();
      r[i * 4 + 1] = m.l4Sport().high();
      r[i * 4 + 2] = m.l4Dport().low();
      r[i * 4 + 3] = m.l4Dport().high();
    }
    aclOrder = order;
    aclTernary = t;
    aclRanges = r;
    aclDirty = false;
  }

}
