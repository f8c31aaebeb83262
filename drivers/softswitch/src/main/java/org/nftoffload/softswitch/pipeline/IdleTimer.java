package org.nftoffload.softswitch.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The flow entries that have an idle timeout, kept in a hashed timer wheel by the time they may next be idle, so
 * an aging tick looks only at the entries due since the last tick instead of scanning every entry. Hits do not
 * touch the wheel (the data path only moves {@code idleSinceNanos}): an entry found not yet idle when its slot
 * comes round is moved to the slot of its new deadline, so each entry is visited about once per timeout (or once
 * per revolution of the wheel for timeouts longer than that). Removal is lazy: a removed entry is dropped when
 * its slot comes round. An entry's valid copy is the one whose stamp matches {@link TableEntry#timerStamp}; a
 * reschedule (new timeout) adds a new copy and makes older ones stale. Not thread-safe: the switch serialises
 * access, as for {@link TableStore}.
 */
final class IdleTimer {

  /** Slot width: 10 ms, a fifth of the default aging interval. */
  static final long RESOLUTION_NANOS = 10_000_000L;
  /** Slots (a power of 2): one revolution is about 164 s. */
  static final int SLOTS = 1 << 14;
  private static final long NOT_STARTED = Long.MIN_VALUE;

  private final TableEntry[][] entries = new TableEntry[SLOTS][];
  private final long[][] stamps = new long[SLOTS][];
  private final int[] sizes = new int[SLOTS];
  private long nextStamp = 1;
  /** The last tick collected; its slot is collected again next time (entries due later within that tick). */
  private long lastTick = NOT_STARTED;
  private int scheduled;

  /** Copies in the wheel, valid or stale (for tests and diagnostics). */
  int copies() {
    return scheduled;
  }

  /** Puts (back) {@code e} in the wheel at its current deadline; an entry without a timeout leaves it. */
  void schedule(TableEntry e) {
    if (e.idleTimeoutNs() <= 0) {
      e.timerStamp = 0; // any copy in the wheel is stale now
      return;
    }
    e.timerStamp = nextStamp++;
    add(tickOf(deadline(e)), e, e.timerStamp);
  }

  /** Forgets every entry. */
  void clear() {
    for (int s = 0; s < SLOTS; s++) {
      TableEntry[] slot = entries[s];
      for (int i = 0; i < sizes[s]; i++) {
        slot[i].timerStamp = 0;
      }
      entries[s] = null;
      stamps[s] = null;
      sizes[s] = 0;
    }
    scheduled = 0;
  }

  /**
   * The installed entries idle at {@code nowNanos} (no hit for at least their timeout since the last hit or the
   * last notification); their idle timers restart from now.
   */
  List<TableEntry> collect(long nowNanos) {
    long nowTick = Math.floorDiv(nowNanos, RESOLUTION_NANOS);
    long from = lastTick == NOT_STARTED ? nowTick - SLOTS + 1 : Math.min(lastTick, nowTick);
    from = Math.max(from, nowTick - SLOTS + 1); // a whole revolution already visits every slot once
    List<TableEntry> idle = new ArrayList<>();
    for (long t = from; t <= nowTick; t++) {
      collectSlot((int) (t & (SLOTS - 1)), nowNanos, idle);
    }
    lastTick = Math.max(lastTick, nowTick);
    return idle;
  }

  private void collectSlot(int s, long now, List<TableEntry> idle) {
    int n = sizes[s];
    if (n == 0) {
      return;
    }
    TableEntry[] slot = entries[s];
    long[] slotStamps = stamps[s];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      TableEntry e = slot[i];
      long stamp = slotStamps[i];
      slot[i] = null;
      if (e.timerStamp != stamp) {
        continue; // a stale copy: the entry was rescheduled elsewhere
      }
      if (!e.installed || e.idleTimeoutNs() <= 0) {
        e.timerStamp = 0;
        continue;
      }
      if (now - e.idleSinceNanos >= e.idleTimeoutNs()) {
        e.idleSinceNanos = now; // the notification restarts the timer (spec: reported again one TTL later)
        idle.add(e);
      }
      long tick = tickOf(deadline(e));
      if ((int) (tick & (SLOTS - 1)) == s) {
        slot[kept] = e; // due later in this slot (this tick or a later revolution)
        slotStamps[kept++] = stamp;
      } else {
        add(tick, e, stamp);
      }
    }
    scheduled -= n - kept;
    sizes[s] = kept;
  }

  private static long deadline(TableEntry e) {
    long d = e.idleSinceNanos + e.idleTimeoutNs();
    return d < e.idleSinceNanos ? Long.MAX_VALUE : d; // overflow: never within a revolution
  }

  private long tickOf(long deadlineNanos) {
    long tick = Math.floorDiv(deadlineNanos, RESOLUTION_NANOS);
    // already due (or due in a tick collected before): the next collection must see it
    return lastTick != NOT_STARTED && tick < lastTick ? lastTick : tick;
  }

  private void add(long tick, TableEntry e, long stamp) {
    int s = (int) (tick & (SLOTS - 1));
    int n = sizes[s];
    TableEntry[] slot = entries[s];
    if (slot == null || n == slot.length) {
      int cap = slot == null ? 4 : n * 2;
      entries[s] = slot = slot == null ? new TableEntry[cap] : java.util.Arrays.copyOf(slot, cap);
      stamps[s] = stamps[s] == null ? new long[cap] : java.util.Arrays.copyOf(stamps[s], cap);
    }
    slot[n] = e;
    stamps[s][n] = stamp;
    sizes[s] = n + 1;
    scheduled++;
  }
}
