package org.nftoffload.p4runtime;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay: how the client schedules reconnects and the device manager its periodic
 * reconciliation. Injected so that tests drive time by hand instead of sleeping.
 */
public interface Scheduler {

  /** A scheduled task that can be called off. */
  interface Task {
    void cancel();
  }

  /** Runs {@code task} once after {@code delay}. */
  Task schedule(Duration delay, Runnable task);

  /** A scheduler over a JDK executor. */
  static Scheduler of(ScheduledExecutorService executor) {
    return (delay, task) -> {
      var f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }
}
