package org.nftoffload.flow;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.WriteResult;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * The devices as the flow manager needs them: batched writes with per-update results and table reads with
 * counters, by device name. The service backs it with the P4Runtime clients; tests with an in-memory table.
 */
public interface FlowDevices {

  /** One device's table access. */
  interface Device {
    CompletableFuture<WriteResult> write(List<TableUpdate> updates);

    CompletableFuture<List<PiTableEntry>> read(PiTableId table);
  }

  Set<String> names();

  Optional<Device> device(String name);
}
