package org.nftoffload.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.softswitch.SoftSwitch;
import org.nftoffload.softswitch.config.SoftSwitchConfig;

/**
 * (c) The embedded software switch as the write target, in the same JVM: a fresh switch per case with room for
 * every entry, the pipeline pushed, a warm-up of inserts that are deleted again, then the timed inserts. Entries
 * must be distinct here (the switch keeps them), so a case writes at most the pool size.
 */
final class SoftswitchTarget {

  private SoftswitchTarget() {}

  static InstallRateBench.Result run(FlowtablePipeline pipeline, List<TableUpdate> pool, int entries, int batch,
      int inFlight, ScheduledExecutorService timer, int warmup) throws Exception {
    int count = Math.min(entries, pool.size());
    try (SoftSwitch sw = SoftSwitch.start(SoftSwitchConfig.defaults().withListen("127.0.0.1:0")
        .withTableSizes(Map.of("flow_v4", pool.size())));
        P4RuntimeClient client = InstallRateBench.client(sw.address().getPort(), batch, inFlight, pipeline, timer)) {
      if (!client.connect().get(10, TimeUnit.SECONDS).isPrimary()) {
        throw new IllegalStateException("benchmark client is not primary on the software switch");
      }
      client.setPipelineConfig(new byte[0], 1).get(10, TimeUnit.SECONDS);
      int w = Math.min(warmup, count) / batch * batch;
      if (w > 0) {
        List<TableUpdate> warm = pool.subList(0, w);
        InstallRateBench.run("softswitch", client, warm, w, batch, inFlight);
        List<TableUpdate> deletes = warm.stream().map(u -> TableUpdate.delete(u.entry())).toList();
        InstallRateBench.run("softswitch", client, deletes, w, batch, inFlight);
      }
      return InstallRateBench.run("softswitch", client, pool.subList(0, count / batch * batch), count / batch * batch,
          batch, inFlight);
    }
  }
}
