package org.nftoffload.device;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4runtime.CodecException;
import org.nftoffload.p4runtime.Mastership;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.Scheduler;
import org.nftoffload.p4runtime.StreamListener;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.UpdateResult;
import org.nftoffload.p4runtime.UpdateType;
import org.nftoffload.p4runtime.WriteResult;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One managed device: its driver, its P4Runtime client, the desired table state (what the controller wants) and a
 * mirror of what was written and acknowledged. When the client becomes primary the device gets its pipeline (only
 * if the cookie differs, so a controller restart does not reset a running switch) and is reconciled; reconciliation
 * also runs every {@link ManagerConfig#reconcilePeriod()}: it reads every table back, diffs with the desired state
 * and writes only the difference, so traffic on correct entries keeps flowing. Writes and reconciliations of one
 * device run one after another (a per-device lane), so a reconciliation never sees half of an apply.
 */
public final class Device implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Device.class);

  private final DeviceSpec spec;
  private final DeviceDriver driver;
  private final P4RuntimeClient client;
  private final ManagerConfig config;
  private final Scheduler scheduler;
  private final long cookie;
  private final List<Consumer<ReconcileReport>> reconcileListeners = new CopyOnWriteArrayList<>();

  // Guarded by this. Desired state and mirror in one table, each entry as its canonical wire bytes.
  private final EntryTable state = new EntryTable();
  private CompletableFuture<?> lane = CompletableFuture.completedFuture(null);
  private Scheduler.Task periodic;
  private boolean closed;
  private Mastership.State lastState = Mastership.State.DISCONNECTED;
  private boolean pipelineLoaded; // since this controller last became primary

  Device(DeviceSpec spec, DeviceDriver driver, P4RuntimeClient client, ManagerConfig config, Scheduler scheduler,
      long cookie) {
    this.spec = spec;
    this.driver = driver;
    this.client = client;
    this.config = config;
    this.scheduler = scheduler;
    this.cookie = cookie;
  }

  /** Sets the initial desired state, before {@link #start()}. */
  synchronized void seed(List<PiTableEntry> entries) throws CodecException {
    List<byte[]> seeded = new ArrayList<>(entries.size());
    for (PiTableEntry e : entries) {
      seeded.add(client.canonicalBytes(e));
    }
    for (byte[] b : seeded) {
      state.setDesired(new EntryTable.Key(b), b);
    }
  }

  /** Connects and starts the periodic reconciliation; pipeline and entries follow when primary. */
  void start() {
    client.addListener(new StreamListener() {
      @Override
      public void onMastership(Mastership m) {
        boolean gained;
        synchronized (Device.this) {
          gained = m.isPrimary() && lastState != Mastership.State.PRIMARY;
          lastState = m.state();
          if (!m.isPrimary()) {
            pipelineLoaded = false;
          }
        }
        if (gained) {
          log.info("device '{}': primary, pushing pipeline and reconciling", spec.name());
          enqueue(() -> ensurePipeline().thenCompose(v -> reconcileNow()).thenApply(r -> {
            reconcileListeners.forEach(l -> l.accept(r));
            return r;
          })).exceptionally(t -> {
            log.warn("device '{}': setup after becoming primary failed: {}", spec.name(), t.toString());
            return null;
          });
        }
      }
    });
    client.connect().exceptionally(t -> {
      log.warn("device '{}' at {}: not reachable yet ({}); retrying", spec.name(), spec.address(), t.getMessage());
      return null;
    });
    schedulePeriodic();
  }

  public String name() {
    return spec.name();
  }

  public DeviceSpec spec() {
    return spec;
  }

  public DeviceDriver driver() {
    return driver;
  }

  public Mastership mastership() {
    return client.mastership();
  }

  /**
   * Announces a new election id for this device, to take it over when its primary went away (the id must be at
   * least as high as the highest the device has seen). On becoming primary the device is reconciled.
   */
  public CompletableFuture<Mastership> takeOver(org.nftoffload.p4runtime.ElectionId electionId) {
    return client.reannounce(electionId);
  }

  /** Packet-in, idle timeouts and mastership changes of this device. */
  public void addListener(StreamListener listener) {
    client.addListener(listener);
  }

  /** Called after every reconciliation (periodic, on primary, or asked for). */
  public void onReconciled(Consumer<ReconcileReport> listener) {
    reconcileListeners.add(listener);
  }

  public CompletableFuture<Void> packetOut(org.onosproject.net.pi.runtime.PiPacketOperation packet) {
    return client.packetOut(packet);
  }

  /** The entries the controller wants on the device, canonical. */
  public synchronized Map<EntryKey, PiTableEntry> desired() {
    return decoded(true);
  }

  /** The entries written and acknowledged (or found correct by reconciliation), canonical. */
  public synchronized Map<EntryKey, PiTableEntry> mirror() {
    return decoded(false);
  }

  /**
   * How many entries of each table were written and acknowledged (or found by reconciliation): the mirror's
   * occupancy, counted on the stored bytes without decoding every entry.
   */
  public synchronized Map<org.onosproject.net.pi.model.PiTableId, Integer> mirrorCounts() {
    Map<Long, byte[]> sample = new HashMap<>();
    Map<org.onosproject.net.pi.model.PiTableId, Integer> out = new HashMap<>();
    state.mirrorCounts(sample).forEach((id, n) -> out.put(decode(sample.get(id)).table(), n));
    return Map.copyOf(out);
  }

  /** How many entries the controller wants on the device. */
  public synchronized int desiredCount() {
    return state.desiredCount();
  }

  private Map<EntryKey, PiTableEntry> decoded(boolean wanted) {
    Map<EntryKey, PiTableEntry> out = new HashMap<>();
    state.forEach((d, m) -> {
      byte[] b = wanted ? d : m;
      if (b != null) {
        PiTableEntry e = decode(b);
        out.put(EntryKey.of(e), e);
      }
    });
    return Map.copyOf(out);
  }

  private PiTableEntry decode(byte[] canonical) {
    try {
      return client.decode(canonical);
    } catch (CodecException e) {
      // the bytes came out of the same client's encoder
      throw new IllegalStateException("device '" + spec.name() + "': stored entry does not decode: "
          + e.getMessage(), e);
    }
  }

  /**
   * Changes the desired state and writes the changes. Results come back per update in order. Updates the pipeline
   * cannot express fail with {@link RpcCode#INVALID_ARGUMENT} and change nothing; updates the device refuses as
   * invalid or for lack of room are taken back out of the desired state; when this controller is not primary the
   * updates are kept (reconciliation installs them once it is) and reported {@link RpcCode#UNAVAILABLE}.
   */
  public CompletableFuture<WriteResult> apply(List<TableUpdate> updates) {
    List<TableUpdate> valid = new ArrayList<>(updates.size());
    List<EntryTable.Key> keys = new ArrayList<>(updates.size());
    UpdateResult[] results = new UpdateResult[updates.size()];
    int[] positions = new int[updates.size()];
    for (int i = 0; i < updates.size(); i++) {
      TableUpdate u = updates.get(i);
      try {
        // The caller's entry is written as is: the client's encoder sends the same canonical bytes.
        byte[] canonical = u.canonical() != null ? u.canonical() : client.canonicalBytes(u.entry());
        assert u.canonical() == null || java.util.Arrays.equals(canonical, client.canonicalBytes(u.entry()))
            : "device '" + spec.name() + "': canonical bytes given do not match the entry " + u.entry();
        keys.add(new EntryTable.Key(canonical));
        positions[valid.size()] = i;
        valid.add(u);
      } catch (CodecException e) {
        results[i] = new UpdateResult(u, RpcCode.INVALID_ARGUMENT, "device '" + spec.name() + "': " + e.getMessage());
      }
    }
    return enqueue(() -> {
      Map<EntryTable.Key, byte[]> previous = new HashMap<>();
      synchronized (this) {
        for (int j = 0; j < valid.size(); j++) {
          EntryTable.Key k = keys.get(j);
          previous.putIfAbsent(k, state.desired(k));
          state.setDesired(k, valid.get(j).type() == UpdateType.DELETE ? null : k.bytes);
        }
      }
      if (!client.mastership().isPrimary()) {
        String why = "device '" + spec.name() + "' is not primary (" + client.mastership().state()
            + "); kept for reconciliation";
        for (int j = 0; j < valid.size(); j++) {
          int i = positions[j];
          results[i] = new UpdateResult(updates.get(i), RpcCode.UNAVAILABLE, why);
        }
        return CompletableFuture.completedFuture(new WriteResult(List.of(results)));
      }
      // Primary may be announced before the listener's setup is queued: never write into a device without our pipeline.
      CompletableFuture<Void> ready;
      synchronized (this) {
        ready = pipelineLoaded ? CompletableFuture.completedFuture(null) : ensurePipeline();
      }
      return ready.thenCompose(v -> writeInOrder(valid, keys)).thenApply(written -> {
        synchronized (this) {
          for (int j = 0; j < valid.size(); j++) {
            UpdateResult r = written.get(j);
            EntryTable.Key k = keys.get(j);
            if (r.ok()) {
              state.setMirror(k, valid.get(j).type() == UpdateType.DELETE ? null : k.bytes);
            } else if (refused(r.code())) {
              state.setDesired(k, previous.get(k));
            }
            int i = positions[j];
            results[i] = new UpdateResult(updates.get(i), r.code(), r.message());
          }
        }
        return new WriteResult(List.of(results));
      });
    });
  }

  /**
   * Writes updates so that two updates of the same entry are applied in the given order: batches in flight may
   * be applied by the device in any order, so the list is cut where a key repeats and the pieces go one after
   * another. Lists without repeats (the usual case) are one write.
   */
  private CompletableFuture<List<UpdateResult>> writeInOrder(List<TableUpdate> updates, List<EntryTable.Key> keys) {
    // The keys carry each entry's canonical bytes: the request embeds them rather than encoding the entries again.
    List<byte[]> encoded = new ArrayList<>(keys.size());
    for (EntryTable.Key k : keys) {
      encoded.add(k.bytes);
    }
    List<int[]> pieces = new ArrayList<>();
    java.util.Set<EntryTable.Key> seen = new java.util.HashSet<>();
    int from = 0;
    for (int i = 0; i < updates.size(); i++) {
      if (!seen.add(keys.get(i))) {
        pieces.add(new int[] {from, i});
        from = i;
        seen.clear();
        seen.add(keys.get(i));
      }
    }
    pieces.add(new int[] {from, updates.size()});
    if (pieces.size() == 1) {
      return client.writeCanonical(updates, encoded).thenApply(WriteResult::results);
    }
    CompletableFuture<List<UpdateResult>> all = CompletableFuture.completedFuture(new ArrayList<>());
    for (int[] p : pieces) {
      all = all.thenCompose(acc -> client.writeCanonical(updates.subList(p[0], p[1]), encoded.subList(p[0], p[1]))
          .thenApply(r -> {
            acc.addAll(r.results());
            return acc;
          }));
    }
    return all;
  }

  /** The device said this update can never succeed as is: it is taken out of the desired state. */
  private static boolean refused(RpcCode code) {
    return code == RpcCode.INVALID_ARGUMENT || code == RpcCode.RESOURCE_EXHAUSTED || code == RpcCode.OUT_OF_RANGE
        || code == RpcCode.UNIMPLEMENTED;
  }

  /**
   * Checks the device still runs our pipeline (pushing it when the cookie differs), reads every table back and
   * repairs the difference; runs after the writes already queued.
   */
  public CompletableFuture<ReconcileReport> reconcile() {
    return enqueue(() -> client.mastership().isPrimary()
        ? ensurePipeline().thenCompose(v -> reconcileNow())
            .exceptionally(t -> ReconcileReport.skipped(spec.name(), "failed: " + rootMessage(t)))
        : reconcileNow()).thenApply(r -> {
      reconcileListeners.forEach(l -> l.accept(r));
      return r;
    });
  }

  /** Our pipeline on the device (pushed when the cookie differs), then the CPU clone session it relies on. */
  private CompletableFuture<Void> ensurePipeline() {
    return loadPipeline().thenCompose(v -> client.cloneSession(FlowtableP4.CPU_CLONE_SESSION_ID, driver.cpuPort())
        .exceptionally(t -> {
          // forwarding does not depend on it: only the copies to the CPU (nft log) are missing
          log.warn("device '{}': clone session {} to CPU port {} not written: {}", spec.name(),
              FlowtableP4.CPU_CLONE_SESSION_ID, driver.cpuPort(), rootMessage(t));
          return null;
        }));
  }

  private CompletableFuture<Void> loadPipeline() {
    return client.pipelineCookie().thenCompose(current -> {
      if (current.isPresent() && current.getAsLong() == cookie) {
        synchronized (this) {
          pipelineLoaded = true;
        }
        return CompletableFuture.completedFuture(null);
      }
      log.info("device '{}': loading pipeline (device has {})", spec.name(),
          current.isPresent() ? "cookie " + Long.toHexString(current.getAsLong()) : "none");
      return client.setPipelineConfig(driver.deviceConfig(), cookie).thenRun(() -> {
        synchronized (this) {
          state.clearMirror(); // a new pipeline starts with empty tables
          pipelineLoaded = true;
        }
      });
    });
  }

  private CompletableFuture<ReconcileReport> reconcileNow() {
    if (!client.mastership().isPrimary()) {
      return CompletableFuture.completedFuture(ReconcileReport.skipped(spec.name(),
          "not primary (" + client.mastership().state() + ")"));
    }
    Map<EntryTable.Key, PiTableEntry> actual = new HashMap<>(); // keys hold the canonical bytes of what was read
    Map<EntryTable.Key, byte[]> readBack = new HashMap<>();
    CompletableFuture<Void> reads = CompletableFuture.completedFuture(null);
    for (FlowtableP4.Table t : FlowtableP4.TABLES) {
      reads = reads.thenCompose(v -> client.readTableEntries(t.id()).thenAccept(es -> {
        for (PiTableEntry e : es) {
          try {
            EntryTable.Key k = new EntryTable.Key(client.canonicalBytes(e)); // counters are not part of the bytes
            actual.put(k, e);
            readBack.put(k, k.bytes);
          } catch (CodecException x) {
            throw new java.util.concurrent.CompletionException(new CodecException("device '" + spec.name()
                + "': entry read back does not encode: " + x.getMessage()));
          }
        }
      }));
    }
    return reads.thenCompose(v -> {
      List<TableUpdate> diff = new ArrayList<>();
      List<EntryTable.Key> diffKeys = new ArrayList<>();
      List<byte[]> diffBytes = new ArrayList<>(); // what an insert or modify writes; null for a delete
      int ins = 0;
      int mod = 0;
      int del = 0;
      synchronized (this) {
        List<byte[]> wanted = new ArrayList<>(state.size());
        state.forEach((d, m) -> {
          if (d != null) {
            wanted.add(d);
          }
        });
        for (byte[] d : wanted) {
          EntryTable.Key key = new EntryTable.Key(d);
          PiTableEntry found = actual.get(key);
          if (found == null) {
            diff.add(TableUpdate.insert(decode(d)));
            diffKeys.add(key);
            diffBytes.add(d);
            ins++;
          } else if (!java.util.Arrays.equals(d, readBack.get(key))) {
            PiTableEntry want = decode(d);
            if (!sameBehaviour(want, found)) {
              diff.add(TableUpdate.modify(want));
              diffKeys.add(key);
              diffBytes.add(d);
              mod++;
            }
          }
        }
        for (var e : actual.entrySet()) {
          if (state.desired(e.getKey()) == null) {
            diff.add(TableUpdate.delete(e.getValue()));
            diffKeys.add(e.getKey());
            diffBytes.add(null);
            del++;
          }
        }
        // The mirror becomes what the device holds; the writes below then bring it to the desired state.
        state.clearMirror();
        readBack.forEach(state::setMirror);
      }
      if (diff.isEmpty()) {
        return CompletableFuture.completedFuture(new ReconcileReport(spec.name(), 0, 0, 0, List.of(), ""));
      }
      log.info("device '{}': reconciling {} insert(s), {} modify(s), {} delete(s)", spec.name(), ins, mod, del);
      final int fi = ins;
      final int fm = mod;
      final int fd = del;
      return client.write(diff).thenApply(r -> {
        synchronized (this) {
          List<UpdateResult> rs = r.results();
          for (int j = 0; j < rs.size() && j < diffKeys.size(); j++) {
            if (rs.get(j).ok()) {
              state.setMirror(diffKeys.get(j), diffBytes.get(j));
            }
          }
        }
        return new ReconcileReport(spec.name(), fi, fm, fd, r.failures(), "");
      });
    }).exceptionally(t -> ReconcileReport.skipped(spec.name(), "failed: " + rootMessage(t)));
  }

  private static boolean sameBehaviour(PiTableEntry want, PiTableEntry have) {
    return Objects.equals(want.action(), have.action())
        && (have.timeout().isEmpty() || want.timeout().equals(have.timeout()));
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException)) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private synchronized <T> CompletableFuture<T> enqueue(Supplier<CompletableFuture<T>> op) {
    CompletableFuture<T> next = lane.handle((x, t) -> null).thenCompose(x -> op.get());
    lane = next;
    return next;
  }

  private synchronized void schedulePeriodic() {
    if (closed) {
      return;
    }
    periodic = scheduler.schedule(config.reconcilePeriod(), () -> reconcile().whenComplete((r, t) -> {
      if (t != null) {
        log.warn("device '{}': periodic reconciliation failed: {}", spec.name(), t.toString());
      } else if (r.ran() && r.changes() > 0) {
        log.info("device '{}': periodic reconciliation repaired {} entries", spec.name(), r.changes());
      }
      schedulePeriodic();
    }));
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (periodic != null) {
        periodic.cancel();
      }
    }
    client.close();
  }
}
