package org.nftoffload.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.UpdateResult;
import org.nftoffload.p4runtime.WriteResult;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * Devices as in-memory tables with P4Runtime's per-update semantics (INSERT of a present key: ALREADY_EXISTS,
 * DELETE/MODIFY of an absent one: NOT_FOUND, a full table: RESOURCE_EXHAUSTED), settable counters and a switch to
 * fail whole calls. Records every write call's size.
 */
final class MemoryDevices implements FlowDevices {

  final class Table implements FlowDevices.Device {
    final String name;
    final Map<EntryKey, PiTableEntry> entries = new LinkedHashMap<>();
    final Map<EntryKey, long[]> counters = new HashMap<>();
    int capacity = Integer.MAX_VALUE;
    boolean down;
    final List<Integer> writeSizes = new ArrayList<>();

    Table(String name) {
      this.name = name;
    }

    @Override
    public synchronized CompletableFuture<WriteResult> write(List<TableUpdate> updates) {
      writeSizes.add(updates.size());
      if (down) {
        return CompletableFuture.failedFuture(new IllegalStateException("device " + name + " unreachable"));
      }
      List<UpdateResult> out = new ArrayList<>();
      for (TableUpdate u : updates) {
        EntryKey k = EntryKey.of(u.entry());
        RpcCode code = switch (u.type()) {
          case INSERT -> entries.containsKey(k) ? RpcCode.ALREADY_EXISTS
              : entries.size() >= capacity ? RpcCode.RESOURCE_EXHAUSTED : put(k, u.entry());
          case MODIFY -> entries.containsKey(k) ? put(k, u.entry()) : RpcCode.NOT_FOUND;
          case DELETE -> entries.remove(k) != null ? RpcCode.OK : RpcCode.NOT_FOUND;
        };
        out.add(new UpdateResult(u, code, code == RpcCode.RESOURCE_EXHAUSTED ? "table full" : ""));
      }
      return CompletableFuture.completedFuture(new WriteResult(out));
    }

    private RpcCode put(EntryKey k, PiTableEntry e) {
      entries.put(k, e);
      return RpcCode.OK;
    }

    @Override
    public synchronized CompletableFuture<List<PiTableEntry>> read(PiTableId table) {
      List<PiTableEntry> out = new ArrayList<>();
      for (var e : entries.entrySet()) {
        if (e.getValue().table().equals(table)) {
          long[] c = counters.getOrDefault(e.getKey(), new long[2]);
          out.add(PiTableEntry.builder().forTable(table).withMatchKey(e.getValue().matchKey())
              .withAction(e.getValue().action()).withCounterCellData(new PiCounterCellData(c[0], c[1])).build());
        }
      }
      return CompletableFuture.completedFuture(out);
    }

    synchronized void count(PiTableEntry entry, long packets, long bytes) {
      counters.put(EntryKey.of(entry), new long[] {packets, bytes});
    }

    synchronized int size() {
      return entries.size();
    }

    synchronized List<PiTableEntry> all() {
      return new ArrayList<>(entries.values());
    }
  }

  final Map<String, Table> tables = new LinkedHashMap<>();

  MemoryDevices(String... names) {
    for (String n : names) {
      tables.put(n, new Table(n));
    }
  }

  Table get(String name) {
    return tables.get(name);
  }

  @Override
  public Set<String> names() {
    return tables.keySet();
  }

  @Override
  public Optional<FlowDevices.Device> device(String name) {
    return Optional.ofNullable(tables.get(name));
  }
}
