package org.nftoffload.p4runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link Scheduler} the test drives: tasks run when the test calls {@link #runAll()}, delays are recorded. */
public final class ManualScheduler implements Scheduler {

  private final List<Runnable> tasks = new ArrayList<>();
  private final List<Duration> delays = new ArrayList<>();

  @Override
  public synchronized Task schedule(Duration delay, Runnable task) {
    delays.add(delay);
    Runnable[] slot = {task};
    tasks.add(() -> {
      if (slot[0] != null) {
        slot[0].run();
      }
    });
    return () -> slot[0] = null;
  }

  /** Runs every task scheduled so far (not the ones they schedule). */
  public void runAll() {
    List<Runnable> now;
    synchronized (this) {
      now = new ArrayList<>(tasks);
      tasks.clear();
    }
    now.forEach(Runnable::run);
  }

  public synchronized int pending() {
    return tasks.size();
  }

  public synchronized List<Duration> delays() {
    return List.copyOf(delays);
  }
}
