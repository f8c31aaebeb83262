package org.nftoffload.bench;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.TableUpdate;

/** (c) The embedded software switch as the write target. */
final class SoftswitchTarget {

  private SoftswitchTarget() {}

  static InstallRateBench.Result run(FlowtablePipeline pipeline, List<TableUpdate> pool, int entries, int batch,
      int inFlight, ScheduledExecutorService timer, int warmup) {
    throw new UnsupportedOperationException("the embedded software switch target is not wired yet");
  }
}
