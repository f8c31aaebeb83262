package org.nftoffload.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.nftoffload.p4runtime.Scheduler;

/** A scheduler driven by hand: tasks run when the test advances time past their due time. */
public final class ManualScheduler implements Scheduler {

  private record Due(long at, Runnable task, boolean[] cancelled) {}

  private final List<Due> due = new ArrayList<>();
  private long now;

  @Override
  public synchronized Task schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    due.add(new Due(now + delay.toNanos(), task, cancelled));
    return () -> cancelled[0] = true;
  }

  /** Runs every task due within {@code d}, in due order, including ones they schedule within the window. */
  public void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    while (true) {
      Due next;
      synchronized (this) {
        next = due.stream().filter(x -> x.at() <= until).min(Comparator.comparingLong(Due::at)).orElse(null);
        if (next == null) {
          now = until;
          return;
        }
        due.remove(next);
        now = next.at();
      }
      if (!next.cancelled()[0]) {
        next.task().run();
      }
    }
  }

  public synchronized int pending() {
    return (int) due.stream().filter(x -> !x.cancelled()[0]).count();
  }
}
