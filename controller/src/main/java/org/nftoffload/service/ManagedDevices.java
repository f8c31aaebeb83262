package org.nftoffload.service;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nftoffload.device.DeviceManager;
import org.nftoffload.flow.FlowDevices;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.WriteResult;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * The flow manager's view of the devices: writes go through the southbound {@link DeviceManager} (which keeps the
 * desired state and reconciles), reads with counters through a second, stream-less P4Runtime client per device —
 * the device manager does not expose reads with counter data, and a Read needs no arbitration.
 */
public final class ManagedDevices implements FlowDevices, AutoCloseable {

  private final DeviceManager manager;
  private final Map<String, P4RuntimeClient> readers = new ConcurrentHashMap<>();
  private final Map<String, ExecutorService> writers = new ConcurrentHashMap<>();

  public ManagedDevices(DeviceManager manager) {
    this.manager = manager;
  }

  /** Registers the reader client of a device added to the manager. */
  public void reader(String device, P4RuntimeClient client) {
    readers.put(device, client);
  }

  public Optional<P4RuntimeClient> reader(String device) {
    return Optional.ofNullable(readers.get(device));
  }

  public DeviceManager manager() {
    return manager;
  }

  @Override
  public Set<String> names() {
    return Set.copyOf(readers.keySet());
  }

  @Override
  public Optional<FlowDevices.Device> device(String name) {
    Optional<org.nftoffload.device.Device> d = manager.device(name);
    P4RuntimeClient r = readers.get(name);
    if (d.isEmpty() || r == null) {
      return Optional.empty();
    }
    return Optional.of(new FlowDevices.Device() {
      @Override
      public CompletableFuture<WriteResult> write(List<TableUpdate> updates) {
        ExecutorService writer = writers.computeIfAbsent(name, n -> Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "device-writer-" + n);
          t.setDaemon(true);
          return t;
        }));
        try {
          return CompletableFuture.supplyAsync(() -> d.get().apply(updates), writer).thenCompose(f -> f);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          return CompletableFuture.failedFuture(new IllegalStateException("device '" + name + "' is closed"));
        }
      }

      @Override
      public CompletableFuture<List<PiTableEntry>> read(PiTableId table) {
        return r.readTableEntries(table);
      }
    });
  }

  @Override
  public void close() {
    writers.values().forEach(ExecutorService::shutdown);
    writers.clear();
    readers.values().forEach(P4RuntimeClient::close);
    readers.clear();
  }
}
