package org.nftoffload.softswitch.pipeline;

import java.util.Objects;

/**
 * One installed entry: its key (a {@link FlowKey}, or an {@link AclMatch} with a priority), its action, and the
 * state the data plane keeps for it — direct counter, direct meter (ACL), last hit time for idle timeout. The
 * P4Runtime layer keeps what it needs to give back the canonical form of the entry in {@link #source} and
 * {@link #cookie} so reads return what was written. Mutable: only touched under the switch's lock.
 */
public final class TableEntry {

  private final TableKind table;
  private final Object key;
  private final int priority;
  private Action action;
  private Object source;
  private long cookie;
  long packets;
  long bytes;
  // only ACL entries have a direct meter: flow entries, the bulk of the tables, do not carry one
  TwoRateMeter meter;
  private long idleTimeoutNs;
  long lastHitNanos;
  /** Start of the current idle period: the last hit, or the last idle notification (which resets the timer). */
  long idleSinceNanos;
  /** True while the entry is in its table (the idle timer drops entries that were removed). */
  boolean installed;
  /** Which copy of the entry in the idle timer is valid (0: none); see {@link IdleTimer}. */
  long timerStamp;

  private TableEntry(TableKind table, Object key, int priority, Action action, Object source, long nowNanos) {
    this.table = table;
    this.key = Objects.requireNonNull(key);
    this.priority = priority;
    this.action = Objects.requireNonNull(action);
    this.source = source;
    this.lastHitNanos = nowNanos;
    this.idleSinceNanos = nowNanos;
    this.meter = table == TableKind.ACL ? new TwoRateMeter() : null;
  }

  /** A flow_v4 or flow_v6 entry. */
  public static TableEntry flow(TableKind table, FlowKey key, Action action, long idleTimeoutNs, Object source,
      long nowNanos) {
    if (!table.isFlow()) {
      throw new IllegalArgumentException(table + " is not a flow table");
    }
    TableEntry e = new TableEntry(table, key, 0, action, source, nowNanos);
    e.idleTimeoutNs = idleTimeoutNs;
    return e;
  }

  /** An ACL entry; a higher priority wins. */
  public static TableEntry acl(AclMatch match, int priority, Action action, Object source, long nowNanos) {
    if (priority <= 0) {
      throw new IllegalArgumentException("ACL entries need a priority > 0");
    }
    return new TableEntry(TableKind.ACL, new AclKey(match, priority), priority, action, source, nowNanos);
  }

  /** The key an ACL entry is stored under: the match together with its priority, as P4Runtime identifies it. */
  public record AclKey(AclMatch match, int priority) {}

  public TableKind table() {
    return table;
  }

  /** A {@link FlowKey} or an {@link AclKey}. */
  public Object key() {
    return key;
  }

  public int priority() {
    return priority;
  }

  public Action action() {
    return action;
  }

  public void action(Action newAction) {
    action = Objects.requireNonNull(newAction);
  }

  public Object source() {
    return source;
  }

  public void source(Object newSource) {
    source = newSource;
  }

  /** The controller's 64-bit cookie for the entry (P4Runtime {@code controller_metadata}), 0 when unset. */
  public long cookie() {
    return cookie;
  }

  public void cookie(long newCookie) {
    cookie = newCookie;
  }

  public long packets() {
    return packets;
  }

  public long bytes() {
    return bytes;
  }

  /** Sets the direct counter (P4Runtime DirectCounterEntry MODIFY). */
  public void counter(long newPackets, long newBytes) {
    packets = newPackets;
    bytes = newBytes;
  }

  /** The direct meter's configuration, null when unconfigured. */
  public TwoRateMeter.Config meterConfig() {
    return meter == null ? null : meter.config();
  }

  public void meterConfig(TwoRateMeter.Config config, long nowNanos) {
    if (meter == null) {
      if (config == null) {
        return;
      }
      meter = new TwoRateMeter();
    }
    meter.configure(config, nowNanos);
  }

  public long idleTimeoutNs() {
    return idleTimeoutNs;
  }

  /**
   * Sets the idle timeout and restarts the idle timer from now. For an installed entry, tell the store
   * ({@link TableStore#idleTimeoutChanged}) so its timer is rescheduled.
   */
  public void idleTimeoutNs(long timeoutNs, long nowNanos) {
    idleTimeoutNs = timeoutNs;
    idleSinceNanos = nowNanos;
  }

  public long lastHitNanos() {
    return lastHitNanos;
  }

  /** A copy of everything a MODIFY may change, to undo it when a batch rolls back. */
  public Memento memento() {
    return new Memento(action, source, cookie, packets, bytes, meterConfig(), idleTimeoutNs, lastHitNanos,
        idleSinceNanos);
  }

  /** Puts back what {@link #memento()} saved (then tell the store: {@link TableStore#idleTimeoutChanged}). */
  public void restore(Memento m, long nowNanos) {
    action = m.action;
    source = m.source;
    cookie = m.cookie;
    packets = m.packets;
    bytes = m.bytes;
    if (!Objects.equals(meterConfig(), m.meter)) {
      meterConfig(m.meter, nowNanos);
    }
    idleTimeoutNs = m.idleTimeoutNs;
    lastHitNanos = m.lastHitNanos;
    idleSinceNanos = m.idleSinceNanos;
  }

  /** What {@link #memento()} saves. */
  public record Memento(Action action, Object source, long cookie, long packets, long bytes, TwoRateMeter.Config meter,
      long idleTimeoutNs, long lastHitNanos, long idleSinceNanos) {}
}
