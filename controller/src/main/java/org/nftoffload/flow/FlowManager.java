package org.nftoffload.flow;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4runtime.ExactEntryEncoder;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.Scheduler;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.UpdateResult;
import org.nftoffload.p4runtime.UpdateType;
import org.nftoffload.p4runtime.WriteResult;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offloads the flows agents report, modelled on the kernel's nf_flow_table: each flow becomes two table entries (one
 * per direction) on the device that owns its ports, and moves through explicit {@link FlowState}s. Hardware work is
 * queued and written in per-device batches by one actor thread, so the event path ({@link #add}, {@link #delete})
 * only enqueues and never waits for a device. A refused write leaves the flow in the kernel (REJECTED, with the
 * device's reason, counted) and is retried with exponential backoff. Direct counters are read periodically and
 * turned into activity for the agent; idle-timeout notifications take a flow out of hardware and tell the agent.
 * After a restart, entries found in the devices are adopted when an agent claims them again and deleted when no
 * agent has claimed them by the end of the resync grace period.
 */
public final class FlowManager implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FlowManager.class);

  /** Most events one actor task handles before write results get their turn. */
  private static final int DRAIN_MAX = 1024;

  static {
    FlowtableP4.TABLES.size(); // initialise FlowtableP4 before its nested classes
  }

  /**
   * Tuning, from the {@code flows} section of the config.
   *
   * @param batchSize most updates per write call
   * @param writesInFlight write calls outstanding per device
   * @param queueCapacity most events waiting for the actor before new ones are refused
   * @param idleTimeout idle timeout of the entries
   * @param activityInterval period of counter reads
   * @param retryInitial first retry delay
   * @param retryMax longest retry delay
   * @param retryLimit retries before giving up
   * @param resyncGrace how long entries found at start wait for an agent to claim them
   * @param maxFlows most flows tracked
   */
  public record Settings(int batchSize, int writesInFlight, int queueCapacity, Duration idleTimeout,
      Duration activityInterval, Duration retryInitial, Duration retryMax, int retryLimit, Duration resyncGrace,
      int maxFlows) {}

  /** One queued update: whose entry, which direction (null flow = an orphan entry found at start). */
  private record Op(Flow flow, boolean original, TableUpdate update) {}

  private static final class DeviceQueue {
    final ArrayDeque<Op> pending = new ArrayDeque<>();
    int inFlight;
  }

  private final FlowDevices devices;
  private final PortMap ports;
  private final Settings settings;
  private final Clock clock;
  private final Scheduler scheduler;
  private final MeterRegistry meters;
  private final ExecutorService actor;
  private final AtomicInteger queued = new AtomicInteger();
  private final ConcurrentLinkedQueue<Work> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final FlowIds flows = new FlowIds();
  private final Names names = new Names();
  private final FlowWire wire; // event thread
  private final FlowKeys byKey = new FlowKeys();
  private final HashMap<EntryKey, PiTableEntry> orphans = new HashMap<>();
  private final HashMap<EntryKey, String> orphanDevice = new HashMap<>();
  private final Map<String, DeviceQueue> queues = new HashMap<>();
  private final Counter offloaded;
  private final Counter retried;
  private final Counter queueFull;
  private final Timer offloadLatency;
  private volatile AgentNotifier notifier = AgentNotifier.NONE;
  private volatile boolean closed;
  private volatile Scheduler.Task activityTask;
  private boolean flushScheduled;
  private long numbers;
  private final AtomicIntegerArray inState = new AtomicIntegerArray(FlowState.values().length); // tracked flows
  private final List<CompletableFuture<Void>> idleWaiters = new ArrayList<>();

  /**
   * @param entries writes entries in the devices' pipeline's wire form (the flow path builds no PI objects)
   */
  public FlowManager(FlowDevices devices, PortMap ports, ExactEntryEncoder entries, Settings settings, Clock clock,
      Scheduler scheduler, MeterRegistry meters) {
    this.devices = devices;
    this.wire = new FlowWire(entries, settings.idleTimeout());
    this.ports = ports;
    this.settings = settings;
    this.clock = clock;
    this.scheduler = scheduler;
    this.meters = meters;
    this.actor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "flow-manager");
      t.setDaemon(true);
      return t;
    });
    this.offloaded = Counter.builder("nftoffload.flows.offloaded").description("flows written to a device")
        .register(meters);
    this.retried = Counter.builder("nftoffload.flows.retries").description("offload retries after a rejection")
        .register(meters);
    this.queueFull = Counter.builder("nftoffload.flows.queue.full")
        .description("flow events refused because the flow manager's queue was full").register(meters);
    this.offloadLatency = Timer.builder("nftoffload.flows.offload.latency")
        .description("agent event accepted to both entries acknowledged by the device")
        .publishPercentiles(0.5, 0.99).register(meters);
    for (FlowState s : FlowState.values()) {
      Gauge.builder("nftoffload.flows", inState, n -> n.get(s.ordinal())).tag("state", s.name().toLowerCase())
          .description("flows tracked, by state").register(meters);
    }
    Gauge.builder("nftoffload.flows.queued", queued, AtomicInteger::get)
        .description("flow events waiting for the flow manager").register(meters);
  }

  /** Where verdicts, activity and removals go; set once when the agent endpoint is wired. */
  public void notifier(AgentNotifier notifier) {
    this.notifier = notifier;
  }

  public Settings settings() {
    return settings;
  }

  /** Starts the periodic counter reads. */
  public void start() {
    scheduleActivity();
  }

  // ---------------------------------------------------------------- event path (any thread, never blocks)

  /** An agent reports a flow the kernel chose to offload. */
  public void add(FlowSpec spec) {
    events(List.of(new Event.Add(spec)));
  }

  /** An agent reports that a flow ended (FIN, RST, timeout): its entries are deleted, nothing is sent back. */
  public void delete(FlowId id, String reason) {
    events(List.of(new Event.Delete(id, reason)));
  }

  /** One event an agent reported, for {@link #events}. */
  public sealed interface Event {
    /** See {@link FlowManager#add}. */
    record Add(FlowSpec spec) implements Event {}

    /** See {@link FlowManager#delete}. */
    record Delete(FlowId id, String reason) implements Event {}
  }

  /**
   * Events in the order an agent reported them (one FlowEvents message): handled in one go, so their writes share
   * batches and their verdicts share messages. When the queue has no room for all of them, none is taken and each
   * add is refused (the flow stays in the kernel).
   */
  public void events(List<Event> batch) {
    if (batch.isEmpty()) {
      return;
    }
    long accepted = System.nanoTime();
    submit(batch, () -> {
      for (Event e : batch) {
        switch (e) {
          case Event.Add a -> doAdd(a.spec(), accepted);
          case Event.Delete d -> doDelete(d.id(), d.reason(), false);
        }
      }
    });
  }

  /**
   * An agent's complete set of flows (after Hello, or after it lost events): flows of that agent not in the set are
   * torn down, the others added or kept.
   */
  public void resync(String agent, List<FlowSpec> specs) {
    submit(List.of(), () -> {
      Set<FlowId> claimed = new HashSet<>();
      for (FlowSpec s : specs) {
        claimed.add(s.id());
      }
      for (Flow f : flows.slots()) {
        if (f != null && f.agent().equals(agent) && !claimed.contains(f.id())) {
          delete(f, "not in the agent's resync", false);
        }
      }
      long now = System.nanoTime();
      for (FlowSpec s : specs) {
        doAdd(s, now);
      }
    });
  }

  /**
   * Sends a flow back to the kernel (REST {@code DELETE /flows/{id}}): its entries are deleted and the agent is told
   * with FlowRemoved. Completes with false when there is no such flow.
   */
  public CompletableFuture<Boolean> evict(FlowId id) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    actor.execute(() -> {
      Flow f = flows.get(id);
      if (f != null) {
        delete(f, "evicted by an operator", true);
      }
      done.complete(f != null);
      scheduleFlush();
    });
    return done;
  }

  /** Idle-timeout notifications from a device. */
  public void idleTimeout(String device, List<PiTableEntry> entries) {
    submit(List.of(), () -> {
      for (PiTableEntry e : entries) {
        EntryKey key;
        try {
          key = EntryKey.of(e);
        } catch (IllegalArgumentException ex) {
          continue;
        }
        Flow f = byKey.get(key);
        if (f == null || f.state != FlowState.OFFLOADED || !f.device.equals(device)) {
          continue;
        }
        if (f.hasKey(false, key)) {
          f.idleOriginal = true;
        }
        if (f.hasKey(true, key)) {
          f.idleReply = true;
        }
        // nf_flow_table ages the flow, not a direction: it goes when neither direction carries traffic
        if (f.idleOriginal && f.idleReply) {
          state(f, FlowState.HW_DYING);
          f.reason = "idle timeout";
          f.notifyRemoved = true;
          enqueueDeletes(f);
        }
      }
    });
  }

  /**
   * Reads the flow tables of every device and keeps each entry no flow owns as an orphan: an agent's resync adopts
   * it, and orphans still unclaimed after the resync grace are deleted. Completes with the number of orphans.
   */
  public CompletableFuture<Integer> recover() {
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    AtomicInteger found = new AtomicInteger();
    for (String name : devices.names()) {
      FlowDevices.Device d = devices.device(name).orElseThrow();
      for (FlowtableP4.Table t : List.of(FlowtableP4.FlowV4.TABLE, FlowtableP4.FlowV6.TABLE)) {
        reads.add(d.read(t.id()).thenAcceptAsync(entries -> {
          for (PiTableEntry e : entries) {
            EntryKey k = EntryKey.of(e);
            if (byKey.get(k) == null && orphans.put(k, e) == null) {
              orphanDevice.put(k, name);
              found.incrementAndGet();
            }
          }
        }, actor).exceptionally(e -> {
          // nothing to recover from a device that cannot be read yet (no pipeline, unreachable)
          log.debug("device '{}': no flow entries read back: {}", name, e.toString());
          return null;
        }));
      }
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
      if (found.get() > 0) {
        log.info("found {} flow entries in the devices; keeping them {} for the agents to claim", found.get(),
            settings.resyncGrace());
      }
      scheduler.schedule(settings.resyncGrace(), () -> actor.execute(this::removeOrphans));
      return found.get();
    });
  }

  // ---------------------------------------------------------------- views

  /** Every tracked flow, unordered. */
  public List<FlowView> flows() {
    Flow[] all = snapshot();
    List<FlowView> out = new ArrayList<>();
    for (Flow f : all) {
      if (f != null) {
        out.add(view(f));
      }
    }
    return out;
  }

  public Optional<FlowView> flow(FlowId id) {
    return onActor(() -> Optional.ofNullable(flows.get(id)).map(this::view));
  }

  /** A flow by its number (a scan: for the REST API, not the fast path). */
  public Optional<FlowView> flow(long number) {
    for (Flow f : snapshot()) {
      if (f != null && f.number == number) {
        return Optional.of(view(f));
      }
    }
    return Optional.empty();
  }

  /** Flows by state. */
  public Map<FlowState, Integer> countByState() {
    Map<FlowState, Integer> m = new EnumMap<>(FlowState.class);
    for (FlowState s : FlowState.values()) {
      m.put(s, inState.get(s.ordinal()));
    }
    return m;
  }

  /** Entries this manager has in a device (two per offloaded flow). */
  public int entriesOn(String device) {
    int n = 0;
    for (Flow f : snapshot()) {
      if (f != null && device.equals(f.device)) {
        n += (f.installedOriginal ? 1 : 0) + (f.installedReply ? 1 : 0);
      }
    }
    return n;
  }

  /**
   * The flows as the actor sees them between two of its tasks (so none is missed or seen twice while others come
   * and go); their fields are read afterwards, racily.
   */
  private Flow[] snapshot() {
    return onActor(flows::slots);
  }

  /**
   * Runs a read on the actor and waits for it; reads racily instead once the actor is stopped, or when it has not
   * answered within 5 s (a view must not hang a REST call). For views, never the actor.
   */
  private <T> T onActor(Supplier<T> read) {
    if (!closed) {
      try {
        return CompletableFuture.supplyAsync(read, actor).get(5, TimeUnit.SECONDS);
      } catch (RejectedExecutionException | TimeoutException e) {
        log.debug("flow view read outside the flow manager's thread: {}", e.toString());
      } catch (ExecutionException e) {
        throw new IllegalStateException("flow view failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return read.get();
  }

  /** Entries found at start that no agent has claimed yet. */
  public CompletableFuture<Integer> orphanCount() {
    return CompletableFuture.supplyAsync(orphans::size, actor);
  }

  /** Completes once every event submitted before it has been handled and its writes answered. */
  public CompletableFuture<Void> quiesce() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    actor.execute(() -> {
      scheduleFlush();
      actor.execute(() -> whenIdle(done));
    });
    return done;
  }

  private void whenIdle(CompletableFuture<Void> done) {
    idleWaiters.add(done);
    checkIdle();
  }

  private void checkIdle() {
    if (idleWaiters.isEmpty() || draining.get() || !inbox.isEmpty()) {
      return; // events still queued: the flush after their drain checks again
    }
    for (DeviceQueue q : queues.values()) {
      if (q.inFlight > 0 || !q.pending.isEmpty()) {
        return;
      }
    }
    List<CompletableFuture<Void>> ready = new ArrayList<>(idleWaiters);
    idleWaiters.clear();
    ready.forEach(w -> w.complete(null));
  }

  private FlowView view(Flow f) {
    FlowSpec s = f.spec();
    long last = f.lastUsedMillis;
    return new FlowView(f.number, s.id(), s.conntrackId(), f.state, Optional.ofNullable(f.device), s.original(),
        s.reply(), s.nat(),
        Optional.ofNullable(f.reason), f.retries, f.packets, f.bytes, Instant.ofEpochMilli(f.sinceMillis),
        last == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last)));
  }

  // ---------------------------------------------------------------- actor

  /** Queues work for the actor; {@code events} (what it handles, maybe none) count against the queue's capacity. */
  private void submit(List<Event> events, Runnable work) {
    if (closed) {
      return;
    }
    int weight = Math.max(1, events.size());
    if (queued.addAndGet(weight) > settings.queueCapacity()) {
      queued.addAndGet(-weight);
      queueFull.increment();
      for (Event e : events) {
        if (e instanceof Event.Add a) {
          notifier.verdict(a.spec().id(), a.spec().conntrackId(), false, "controller busy: flow queue full");
        }
      }
      notifier.flush();
      return;
    }
    inbox.add(new Work(weight, work));
    if (draining.compareAndSet(false, true)) {
      actor.execute(this::drain);
    }
  }

  private record Work(int weight, Runnable run) {}

  /**
   * Runs the events queued since the last drain as one actor task: one hand-off per burst rather than per event. A
   * drain stops after {@link #DRAIN_MAX} events so that write results waiting behind it are not starved.
   */
  private void drain() {
    Work work;
    for (int n = 0; n < DRAIN_MAX && (work = inbox.poll()) != null; n += work.weight()) {
      queued.addAndGet(-work.weight());
      try {
        work.run().run();
      } catch (RuntimeException e) {
        log.error("flow manager: {}", e.toString(), e);
      }
    }
    scheduleFlush();
    draining.set(false);
    if (!inbox.isEmpty() && draining.compareAndSet(false, true)) {
      actor.execute(this::drain);
    }
  }

  private void doAdd(FlowSpec reported, long acceptedNanos) {
    FlowSpec spec = names.share(reported);
    Flow existing = flows.get(spec.id());
    if (existing != null) {
      if (existing.spec().equals(spec)) {
        switch (existing.state) {
          case OFFLOADED -> notifier.verdict(spec.id(), spec.conntrackId(), true, "");
          case REJECTED -> notifier.verdict(spec.id(), spec.conntrackId(), false, existing.reason);
          default -> { }
        }
        return;
      }
      // the path changed (route, neighbour): take the old entries out, then write the new ones
      existing.readd = spec;
      delete(existing, "path changed", false);
      return;
    }
    if (flows.size() >= settings.maxFlows()) {
      reject("max_flows", spec.id());
      notifier.verdict(spec.id(), spec.conntrackId(), false,
          "controller tracks flows.max_flows (" + settings.maxFlows() + ") flows");
      return;
    }
    FlowEntries.Placement at;
    try {
      at = FlowEntries.place(spec, ports);
    } catch (FlowRejectedException e) {
      Flow f = new Flow(++numbers, spec, FlowState.REJECTED, null, null, null, clock.millis());
      f.reason = e.getMessage();
      track(f);
      reject("unplaceable", spec.id());
      notifier.verdict(spec.id(), spec.conntrackId(), false, e.getMessage());
      return;
    }
    FlowWire.Entry original = wire.original(spec, at);
    FlowWire.Entry reply = wire.reply(spec, at);
    EntryKey ko = original.key();
    EntryKey kr = reply.key();
    Flow clash = byKey.get(ko) != null ? byKey.get(ko) : byKey.get(kr);
    if (clash != null || ko.equals(kr)) {
      Flow f = new Flow(++numbers, spec, FlowState.REJECTED, at.device(), ko, kr, clock.millis());
      f.reason = clash != null ? "same match key as flow " + clash.id() : "both directions have the same match key";
      track(f);
      reject("key_clash", spec.id());
      notifier.verdict(spec.id(), spec.conntrackId(), false, f.reason);
      return;
    }
    Flow f = new Flow(++numbers, spec, FlowState.PENDING, at.device(), ko, kr, clock.millis());
    f.acceptedNanos = acceptedNanos;
    track(f);
    byKey.put(f, false);
    byKey.put(f, true);
    install(f, spec, at, original, reply);
  }

  private void install(Flow f, FlowSpec spec, FlowEntries.Placement at, FlowWire.Entry original,
      FlowWire.Entry reply) {
    state(f, FlowState.PENDING);
    f.failure = null;
    f.failureCode = null;
    f.pending = 2;
    enqueue(f.device, new Op(f, true, update(adoptOrInsert(original.key()), spec, at, true, original)));
    enqueue(f.device, new Op(f, false, update(adoptOrInsert(reply.key()), spec, at, false, reply)));
  }

  /** Starts tracking a flow made in its first state. */
  private void track(Flow f) {
    flows.put(f);
    inState.incrementAndGet(f.state.ordinal());
  }

  /** Moves a tracked flow to another state, as of now. */
  private void state(Flow f, FlowState s) {
    inState.decrementAndGet(f.state.ordinal());
    inState.incrementAndGet(s.ordinal());
    f.state = s;
    f.sinceMillis = clock.millis();
  }

  /** An entry already in the device since before a restart is modified in place, never deleted and re-added. */
  private UpdateType adoptOrInsert(EntryKey key) {
    if (orphans.remove(key) != null) {
      orphanDevice.remove(key);
      return UpdateType.MODIFY;
    }
    return UpdateType.INSERT;
  }

  /** An update written as the entry's wire bytes; its PI form is built only if something asks for it. */
  private TableUpdate update(UpdateType type, FlowSpec spec, FlowEntries.Placement at, boolean original,
      FlowWire.Entry entry) {
    Duration idle = settings.idleTimeout();
    return TableUpdate.canonical(type, entry.bytes(), original ? () -> FlowEntries.original(spec, at, idle)
        : () -> FlowEntries.reply(spec, at, idle));
  }

  private void doDelete(FlowId id, String reason, boolean tellAgent) {
    Flow f = flows.get(id);
    if (f != null) {
      delete(f, reason, tellAgent);
    }
  }

  private void delete(Flow f, String reason, boolean tellAgent) {
    switch (f.state) {
      case PENDING -> {
        f.teardownWanted = true;
        f.notifyRemoved |= tellAgent;
        f.reason = reason;
      }
      case OFFLOADED -> {
        state(f, FlowState.TEARDOWN);
        f.reason = reason;
        f.notifyRemoved = tellAgent;
        enqueueDeletes(f);
      }
      case REJECTED -> {
        if (f.retryTask != null) {
          f.retryTask.cancel();
        }
        if (f.pending == 0) {
          forget(f);
          if (tellAgent) {
            notifier.removed(f.id(), f.conntrackId, reason);
          }
        } else {
          f.teardownWanted = true;
        }
      }
      case TEARDOWN, HW_DYING, HW_DEAD -> { }
    }
  }

  private void enqueueDeletes(Flow f) {
    FlowSpec spec = f.spec();
    FlowEntries.Placement at = placement(spec);
    int n = 0;
    if (f.installedOriginal) {
      enqueue(f.device, new Op(f, true, update(UpdateType.DELETE, spec, at, true, wire.original(spec, at))));
      n++;
    }
    if (f.installedReply) {
      enqueue(f.device, new Op(f, false, update(UpdateType.DELETE, spec, at, false, wire.reply(spec, at))));
      n++;
    }
    f.pending += n;
    if (f.pending == 0) {
      deletesDone(f);
    }
  }

  private FlowEntries.Placement placement(FlowSpec spec) {
    try {
      return FlowEntries.place(spec, ports);
    } catch (FlowRejectedException e) {
      throw new IllegalStateException("flow " + spec.id() + " was placed before and cannot be now: "
          + e.getMessage());
    }
  }

  private void enqueue(String device, Op op) {
    queues.computeIfAbsent(device, d -> new DeviceQueue()).pending.add(op);
  }

  private void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      actor.execute(this::flush);
    }
  }

  private void flush() {
    flushScheduled = false;
    for (var e : queues.entrySet()) {
      DeviceQueue q = e.getValue();
      Optional<FlowDevices.Device> device = devices.device(e.getKey());
      while (q.inFlight < settings.writesInFlight() && !q.pending.isEmpty()) {
        List<Op> batch = new ArrayList<>(Math.min(settings.batchSize(), q.pending.size()));
        List<TableUpdate> updates = new ArrayList<>(batch.size());
        while (batch.size() < settings.batchSize() && !q.pending.isEmpty()) {
          Op op = q.pending.poll();
          batch.add(op);
          updates.add(op.update());
        }
        q.inFlight++;
        CompletableFuture<WriteResult> write = device.isPresent() ? device.get().write(updates)
            : CompletableFuture.failedFuture(new IllegalStateException("no device named " + e.getKey()));
        write.whenComplete((result, error) -> actor.execute(() -> {
          q.inFlight--;
          completed(batch, result, error);
          scheduleFlush();
          actor.execute(this::checkIdle);
        }));
      }
    }
    notifier.flush(); // the verdicts and removals of this burst, one message per agent
    checkIdle();
  }

  private void completed(List<Op> batch, WriteResult result, Throwable error) {
    for (int i = 0; i < batch.size(); i++) {
      Op op = batch.get(i);
      RpcCode code;
      String message;
      if (error != null || result == null || i >= result.results().size()) {
        code = RpcCode.UNAVAILABLE;
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
            ? error.getCause() : error;
        message = cause == null ? "no result" : cause.getMessage();
      } else {
        UpdateResult r = result.results().get(i);
        code = r.code();
        message = r.message();
      }
      result(op, code, message);
    }
  }

  private void result(Op op, RpcCode code, String message) {
    Flow f = op.flow();
    UpdateType type = op.update().type();
    if (f == null) {
      if (code != RpcCode.OK && code != RpcCode.NOT_FOUND) {
        log.warn("could not delete unclaimed entry: {} {}", code, message);
      }
      return;
    }
    f.pending--;
    if (type == UpdateType.DELETE) {
      if (code == RpcCode.OK || code == RpcCode.NOT_FOUND) {
        installed(f, op.original(), false);
      } else {
        log.warn("flow {}: delete refused by {}: {} {}", f.id(), f.device, code, message);
      }
      if (f.pending == 0) {
        deletesDone(f);
      }
      return;
    }
    if (code == RpcCode.OK || (type == UpdateType.INSERT && code == RpcCode.ALREADY_EXISTS)) {
      installed(f, op.original(), true);
    } else if (f.failure == null) {
      f.failure = code + (message.isEmpty() ? "" : ": " + message);
      f.failureCode = code;
    }
    if (f.pending == 0) {
      writesDone(f);
    }
  }

  private static void installed(Flow f, boolean original, boolean on) {
    if (original) {
      f.installedOriginal = on;
    } else {
      f.installedReply = on;
    }
  }

  private void writesDone(Flow f) {
    if (f.failure == null) {
      state(f, FlowState.OFFLOADED);
      f.reason = null;
      offloaded.increment();
      if (f.acceptedNanos != 0) {
        offloadLatency.record(System.nanoTime() - f.acceptedNanos, TimeUnit.NANOSECONDS);
        f.acceptedNanos = 0;
      }
      notifier.verdict(f.id(), f.conntrackId, true, "");
      if (f.teardownWanted) {
        f.teardownWanted = false;
        delete(f, f.reason == null ? "ended while being offloaded" : f.reason, f.notifyRemoved);
      }
      return;
    }
    // nf_flow_table: a failed offload leaves the flow in software; undo the half that made it
    state(f, FlowState.REJECTED);
    f.reason = f.failure;
    reject(f.failureCode.name().toLowerCase(), f.id());
    notifier.verdict(f.id(), f.conntrackId, false, f.failure);
    // Delete both halves, not only the one acknowledged: a device that was not primary keeps refused updates as
    // desired state and would install them later behind our back. NOT_FOUND on these deletes is expected.
    f.installedOriginal = true;
    f.installedReply = true;
    enqueueDeletes(f);
  }

  private void afterRejection(Flow f) {
    if (f.teardownWanted) {
      forget(f);
      return;
    }
    if (f.failureCode == RpcCode.INVALID_ARGUMENT || f.retries >= settings.retryLimit()) {
      return; // left in the kernel for good
    }
    long factor = 1L << Math.min(f.retries, 20);
    Duration delay = settings.retryInitial().multipliedBy(factor);
    if (delay.compareTo(settings.retryMax()) > 0) {
      delay = settings.retryMax();
    }
    f.retryTask = scheduler.schedule(delay, () -> submit(List.of(), () -> retry(f)));
  }

  private void retry(Flow f) {
    if (!flows.holds(f) || f.state != FlowState.REJECTED || f.pending != 0) {
      return;
    }
    f.retries++;
    retried.increment();
    FlowSpec spec = f.spec();
    FlowEntries.Placement at = placement(spec);
    install(f, spec, at, wire.original(spec, at), wire.reply(spec, at));
  }

  private void deletesDone(Flow f) {
    switch (f.state) {
      case REJECTED -> afterRejection(f);
      case TEARDOWN, HW_DYING -> {
        state(f, FlowState.HW_DEAD);
        Counter.builder("nftoffload.flows.removed").tag("reason", f.reason == null ? "unknown" : f.reason)
            .register(meters).increment();
        forget(f);
        if (f.notifyRemoved) {
          notifier.removed(f.id(), f.conntrackId, f.reason);
        }
        if (f.readd != null) {
          doAdd(f.readd, System.nanoTime());
        }
      }
      default -> { }
    }
  }

  private void forget(Flow f) {
    flows.remove(f);
    inState.decrementAndGet(f.state.ordinal());
    if (f.placed) {
      byKey.remove(f, false);
      byKey.remove(f, true);
    }
    if (f.retryTask != null) {
      f.retryTask.cancel();
    }
  }

  private void reject(String reason, FlowId id) {
    Counter.builder("nftoffload.flows.rejected").tag("reason", reason).description("offloads refused")
        .register(meters).increment();
    log.debug("flow {} rejected: {}", id, reason);
  }

  private void removeOrphans() {
    if (orphans.isEmpty()) {
      return;
    }
    log.info("deleting {} flow entries no agent claimed within {}", orphans.size(), settings.resyncGrace());
    for (var e : orphans.entrySet()) {
      enqueue(orphanDevice.get(e.getKey()), new Op(null, true, TableUpdate.delete(e.getValue())));
    }
    orphans.clear();
    orphanDevice.clear();
    scheduleFlush();
  }

  // ---------------------------------------------------------------- counters → activity

  private void scheduleActivity() {
    if (!closed) {
      activityTask = scheduler.schedule(settings.activityInterval(), () -> {
        pollActivity();
        scheduleActivity();
      });
    }
  }

  /** Reads the flow tables' direct counters and sends activity for every flow that carried traffic since. */
  public CompletableFuture<Void> pollActivity() {
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    for (String name : devices.names()) {
      FlowDevices.Device d = devices.device(name).orElseThrow();
      for (FlowtableP4.Table t : List.of(FlowtableP4.FlowV4.TABLE, FlowtableP4.FlowV6.TABLE)) {
        reads.add(d.read(t.id()).thenAcceptAsync(entries -> {
          applyCounters(name, entries);
          scheduleFlush();
        }, actor)
            .exceptionally(e -> {
              log.debug("counter read of {} failed: {}", name, e.toString());
              return null;
            }));
      }
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
  }

  private void applyCounters(String device, Collection<PiTableEntry> entries) {
    Map<Flow, long[]> sums = new HashMap<>();
    for (PiTableEntry e : entries) {
      PiCounterCellData c = e.counter();
      if (c == null) {
        continue;
      }
      Flow f = byKey.get(EntryKey.of(e));
      if (f == null || !device.equals(f.device)) {
        continue;
      }
      long[] s = sums.computeIfAbsent(f, x -> new long[2]);
      s[0] += c.packets();
      s[1] += c.bytes();
    }
    long now = clock.millis();
    for (var e : sums.entrySet()) {
      Flow f = e.getKey();
      long[] s = e.getValue();
      if (f.state == FlowState.OFFLOADED && s[0] > f.packets) {
        f.packets = s[0];
        f.bytes = s[1];
        f.lastUsedMillis = now;
        f.idleOriginal = false;
        f.idleReply = false;
        notifier.activity(f.id(), f.conntrackId, Instant.ofEpochMilli(now), s[0], s[1]);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    Scheduler.Task t = activityTask;
    if (t != null) {
      t.cancel();
    }
    actor.shutdown();
    try {
      if (!actor.awaitTermination(2, TimeUnit.SECONDS)) {
        actor.shutdownNow();
      }
    } catch (InterruptedException e) {
      actor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
