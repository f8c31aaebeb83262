package org.nftoffload.softswitch.p4runtime;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.nftoffload.softswitch.pipeline.CloneSession;
import org.nftoffload.softswitch.pipeline.IndexedCounter;
import org.nftoffload.softswitch.pipeline.Pipeline;
import org.nftoffload.softswitch.pipeline.TableEntry;
import org.nftoffload.softswitch.pipeline.TableException;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.pipeline.TableStore;
import org.nftoffload.softswitch.pipeline.TwoRateMeter;
import p4.config.v1.P4InfoOuterClass;
import p4.v1.P4RuntimeOuterClass.CloneSessionEntry;
import p4.v1.P4RuntimeOuterClass.CounterData;
import p4.v1.P4RuntimeOuterClass.CounterEntry;
import p4.v1.P4RuntimeOuterClass.DirectCounterEntry;
import p4.v1.P4RuntimeOuterClass.DirectMeterEntry;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.Index;
import p4.v1.P4RuntimeOuterClass.PacketReplicationEngineEntry;
import p4.v1.P4RuntimeOuterClass.Replica;
import p4.v1.P4RuntimeOuterClass.TableAction;
import p4.v1.P4RuntimeOuterClass.Update;

/**
 * P4Runtime entities on top of the pipeline: applies one {@link Update} (returning how to undo it, for
 * ROLLBACK_ON_ERROR and DATAPLANE_ATOMIC batches) and answers reads. Table entry writes are split in two:
 * {@link #prepare} decodes and checks them without the lock (several writes can do that in parallel), and
 * {@link #apply(Update, Prepared)} only mutates the tables. Everything but {@code prepare} is called with the
 * switch lock held. A flow entry sent in canonical form is kept without a copy (reads rebuild it from the compiled
 * entry: {@link EntryCodec#describe}); any other entry keeps its canonical form as serialized bytes.
 */
final class EntityStore {

  /** Reverts one applied update. */
  @FunctionalInterface
  interface Undo {
    void undo();
  }

  /** An update as far as it could be checked without the tables. */
  sealed interface Prepared permits TableWrite, Failed, Deferred {}

  /** The update is refused whatever the tables hold. */
  record Failed(P4RuntimeException error) implements Prepared {}

  /** Not prepared (default entries, counters, meters, clone sessions: rare): decoded under the lock. */
  enum Deferred implements Prepared { INSTANCE }

  /**
   * A table entry INSERT, MODIFY or DELETE, decoded and checked.
   *
   * @param type the update type
   * @param table the table
   * @param key the pipeline key ({@link org.nftoffload.softswitch.pipeline.FlowKey} or {@link TableEntry.AclKey})
   * @param priority the priority (ACL)
   * @param action the action, or null when a MODIFY keeps the entry's action (or for DELETE)
   * @param source the canonical entry, serialized; null when a MODIFY keeps the action (or for DELETE) or when
   *     {@code described}
   * @param described the entry is stored without a copy (its canonical form is rebuilt on reads)
   * @param entry the entry as written
   * @param meter the direct meter configuration, or null
   */
  record TableWrite(Update.Type type, EntryCodec.TableCodec table, Object key, int priority,
      org.nftoffload.softswitch.pipeline.Action action, byte[] source, boolean described,
      p4.v1.P4RuntimeOuterClass.TableEntry entry, TwoRateMeter.Config meter) implements Prepared {}

  private final Pipeline pipeline;
  private final EntryCodec codec;
  private final P4InfoIndex index;
  private final Map<TableKind, p4.v1.P4RuntimeOuterClass.TableEntry> defaultEntries = new EnumMap<>(TableKind.class);

  EntityStore(Pipeline pipeline, EntryCodec codec) {
    this.pipeline = pipeline;
    this.codec = codec;
    this.index = codec.index();
  }

  /** Forgets every entity (a new pipeline was committed). */
  void reset() {
    pipeline.reset();
    defaultEntries.clear();
  }

  private long now() {
    return pipeline.nowNanos();
  }

  /** Decodes and checks every update of a batch; needs no lock. */
  Prepared[] prepare(List<Update> updates) {
    EntryCodec.Decoder decoder = codec.decoder();
    Prepared[] out = new Prepared[updates.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = prepare(updates.get(i), decoder);
      } catch (P4RuntimeException e) {
        out[i] = new Failed(e);
      }
    }
    return out;
  }

  private Prepared prepare(Update u, EntryCodec.Decoder decoder) throws P4RuntimeException {
    Update.Type type = u.getType();
    if (type == Update.Type.UNSPECIFIED || type == Update.Type.UNRECOGNIZED) {
      throw P4RuntimeException.invalid("update type not set");
    }
    Entity e = u.getEntity();
    if (e.getEntityCase() != Entity.EntityCase.TABLE_ENTRY || e.getTableEntry().getIsDefaultAction()) {
      return Deferred.INSTANCE;
    }
    p4.v1.P4RuntimeOuterClass.TableEntry te = e.getTableEntry();
    EntryCodec.TableCodec t = codec.tableCodec(te.getTableId());
    Object key = decoder.key(t, te);
    if (type == Update.Type.DELETE) {
      return new TableWrite(type, t, key, te.getPriority(), null, null, false, te, null);
    }
    if (te.hasTimeSinceLastHit()) {
      throw P4RuntimeException.invalid(t.alias + ": time_since_last_hit must be unset in a write");
    }
    // MODIFY without an action keeps the entry's action (spec: "Action Specification")
    boolean keepAction = type == Update.Type.MODIFY && !te.hasAction();
    var action = keepAction ? null : decoder.action(t, te.getAction(), false);
    long idle = te.getIdleTimeoutNs();
    if (idle < 0) {
      throw P4RuntimeException.invalid(t.alias + ": negative idle_timeout_ns");
    }
    if (idle != 0 && !t.idleTimeout) {
      throw P4RuntimeException.invalid(t.alias + " does not support idle timeout");
    }
    TwoRateMeter.Config meter = null;
    if (te.hasMeterConfig()) {
      if (!index.hasDirectMeter(t.kind)) {
        throw P4RuntimeException.invalid(t.alias + " has no direct meter");
      }
      if (action != null && !(action instanceof org.nftoffload.softswitch.pipeline.Action.Meter)) {
        throw P4RuntimeException.invalid(t.alias + ": meter_config given for an action that does not execute the meter");
      }
      meter = EntryCodec.meterConfig(te.getMeterConfig());
    }
    if (te.hasCounterData() && index.directCounterId(t.kind).isEmpty()) {
      throw P4RuntimeException.invalid(t.alias + " has no direct counter");
    }
    byte[] source = null;
    // the common case: a flow entry the client sent in canonical form needs no copy at all
    boolean described = !keepAction && t.kind.isFlow() && EntryCodec.describable(te, decoder, action);
    if (!keepAction && !described) {
      boolean canonical = decoder.canonical() && !te.hasCounterData() && !te.hasMeterConfig();
      source = (canonical ? te : EntryCodec.canonical(te)).toByteArray();
    }
    return new TableWrite(type, t, key, te.getPriority(), action, source, described, te, meter);
  }

  /** The canonical form of a stored table entry. */
  p4.v1.P4RuntimeOuterClass.TableEntry source(TableEntry e) {
    if (e.source() == null) {
      return codec.describe(e);
    }
    try {
      return p4.v1.P4RuntimeOuterClass.TableEntry.parseFrom((byte[]) e.source());
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new IllegalStateException("stored entry does not parse", ex);
    }
  }

  /** Applies an update {@link #prepare}d before. */
  Undo apply(Update u, Prepared prepared) throws P4RuntimeException {
    return switch (prepared) {
      case Failed f -> throw f.error();
      case Deferred d -> apply(u);
      case TableWrite w -> apply(w);
    };
  }

  private Undo apply(TableWrite w) throws P4RuntimeException {
    TableKind kind = w.table().kind;
    TableStore store = pipeline.store();
    if (w.type() == Update.Type.DELETE) {
      try {
        TableEntry removed = store.remove(kind, w.key());
        return () -> reinsert(removed);
      } catch (TableException ex) {
        throw fromTable(ex);
      }
    }
    p4.v1.P4RuntimeOuterClass.TableEntry te = w.entry();
    long now = now();
    if (w.type() == Update.Type.INSERT) {
      TableEntry entry = kind == TableKind.ACL
          ? TableEntry.acl(((TableEntry.AclKey) w.key()).match(), w.priority(), w.action(), w.source(), now)
          : TableEntry.flow(kind, (org.nftoffload.softswitch.pipeline.FlowKey) w.key(), w.action(),
              idleTimeoutOf(w), w.source(), now);
      if (w.meter() != null) {
        entry.meterConfig(w.meter(), now);
      }
      entry.cookie(te.getControllerMetadata());
      counterOf(w, entry);
      try {
        store.insert(entry);
      } catch (TableException ex) {
        throw fromTable(ex);
      }
      return () -> {
        try {
          store.remove(kind, w.key());
        } catch (TableException ex) {
          throw new IllegalStateException("undo of an insert found no entry", ex);
        }
      };
    }
    TableEntry modified = store.find(kind, w.key());
    if (modified == null) {
      throw new P4RuntimeException(Status.Code.NOT_FOUND, w.table().alias + ": no such entry to modify");
    }
    var action = w.action() != null ? w.action() : modified.action();
    byte[] source = w.source();
    if (source == null && !w.described()) { // MODIFY that keeps the action: the stored entry's action goes into the new canonical form
      if (w.meter() != null && !(action instanceof org.nftoffload.softswitch.pipeline.Action.Meter)) {
        throw P4RuntimeException.invalid(w.table().alias
            + ": meter_config given for an action that does not execute the meter");
      }
      source = EntryCodec.canonical(te.toBuilder().setAction(source(modified).getAction()).build()).toByteArray();
    }
    long idle = idleTimeoutOf(w);
    TableEntry.Memento before = modified.memento();
    modified.action(action);
    modified.source(source);
    modified.cookie(te.getControllerMetadata());
    if (idle != modified.idleTimeoutNs()) {
      modified.idleTimeoutNs(idle, now);
      store.idleTimeoutChanged(modified);
    }
    // MODIFY is a full snapshot: an unset meter_config resets the meter to its default (all green)
    if (!java.util.Objects.equals(w.meter(), modified.meterConfig())) {
      modified.meterConfig(w.meter(), now);
    }
    counterOf(w, modified);
    return () -> {
      modified.restore(before, now());
      store.idleTimeoutChanged(modified);
    };
  }

  /** Applies an update that {@link #prepare} left to be decoded here (every entity but table entries). */
  private Undo apply(Update u) throws P4RuntimeException {
    Entity e = u.getEntity();
    return switch (e.getEntityCase()) {
      case TABLE_ENTRY -> defaultEntry(u.getType(), e.getTableEntry(), codec.table(e.getTableEntry().getTableId()));
      case DIRECT_COUNTER_ENTRY -> directCounter(u.getType(), e.getDirectCounterEntry());
      case DIRECT_METER_ENTRY -> directMeter(u.getType(), e.getDirectMeterEntry());
      case COUNTER_ENTRY -> counter(u.getType(), e.getCounterEntry());
      case PACKET_REPLICATION_ENGINE_ENTRY -> replication(u.getType(), e.getPacketReplicationEngineEntry());
      case ENTITY_NOT_SET -> throw P4RuntimeException.invalid("update has no entity");
      default -> throw new P4RuntimeException(Status.Code.UNIMPLEMENTED,
          e.getEntityCase() + " is not supported by the flowtable pipeline");
    };
  }

  private static long idleTimeoutOf(TableWrite w) {
    return w.entry().getIdleTimeoutNs();
  }

  private static void counterOf(TableWrite w, TableEntry e) {
    if (w.entry().hasCounterData()) {
      e.counter(w.entry().getCounterData().getPacketCount(), w.entry().getCounterData().getByteCount());
    }
  }

  private static P4RuntimeException fromTable(TableException e) {
    return new P4RuntimeException(Status.Code.valueOf(e.reason().name()), e.getMessage());
  }

  private void reinsert(TableEntry removed) {
    try {
      pipeline.store().insert(removed);
    } catch (TableException ex) {
      throw new IllegalStateException("undo of a delete could not reinsert", ex);
    }
  }

  private Undo defaultEntry(Update.Type type, p4.v1.P4RuntimeOuterClass.TableEntry te, P4InfoIndex.TableInfo t)
      throws P4RuntimeException {
    String name = t.table().getPreamble().getAlias();
    if (type != Update.Type.MODIFY) {
      throw P4RuntimeException.invalid(name + ": a default entry can only be modified, not " + type);
    }
    if (te.getMatchCount() > 0 || te.getPriority() != 0) {
      throw P4RuntimeException.invalid(name + ": a default entry has no match and no priority");
    }
    if (te.getIdleTimeoutNs() != 0 || te.hasTimeSinceLastHit()) {
      throw P4RuntimeException.invalid(name + ": default entries have no idle timeout");
    }
    if (t.constDefault()) {
      throw new P4RuntimeException(Status.Code.PERMISSION_DENIED, name + " has a const default action");
    }
    var oldAction = pipeline.store().defaultAction(t.kind());
    var oldEntry = defaultEntries.get(t.kind());
    if (!te.hasAction()) {
      // MODIFY without an action resets the default entry to the program's
      pipeline.store().defaultAction(t.kind(), new org.nftoffload.softswitch.pipeline.Action.NoAction());
      defaultEntries.remove(t.kind());
    } else {
      pipeline.store().defaultAction(t.kind(), codec.action(t, te.getAction(), true));
      defaultEntries.put(t.kind(), EntryCodec.canonical(te));
    }
    return () -> {
      pipeline.store().defaultAction(t.kind(), oldAction);
      if (oldEntry == null) {
        defaultEntries.remove(t.kind());
      } else {
        defaultEntries.put(t.kind(), oldEntry);
      }
    };
  }

  private TableEntry existing(p4.v1.P4RuntimeOuterClass.TableEntry te) throws P4RuntimeException {
    EntryCodec.Key key = codec.key(te);
    TableEntry e = pipeline.store().find(key.table(), key.key());
    if (e == null) {
      throw new P4RuntimeException(Status.Code.NOT_FOUND, codec.table(te.getTableId()).table().getPreamble()
          .getAlias() + ": no such entry");
    }
    return e;
  }

  private Undo directCounter(Update.Type type, DirectCounterEntry d) throws P4RuntimeException {
    if (type != Update.Type.MODIFY) {
      throw P4RuntimeException.invalid("direct counter entries can only be modified, not " + type);
    }
    P4InfoIndex.TableInfo t = codec.table(d.getTableEntry().getTableId());
    if (index.directCounterId(t.kind()).isEmpty()) {
      throw P4RuntimeException.invalid(t.table().getPreamble().getAlias() + " has no direct counter");
    }
    TableEntry e = existing(d.getTableEntry());
    long packets = e.packets();
    long bytes = e.bytes();
    e.counter(d.getData().getPacketCount(), d.getData().getByteCount());
    return () -> e.counter(packets, bytes);
  }

  private Undo directMeter(Update.Type type, DirectMeterEntry d) throws P4RuntimeException {
    if (type != Update.Type.MODIFY) {
      throw P4RuntimeException.invalid("direct meter entries can only be modified, not " + type);
    }
    P4InfoIndex.TableInfo t = codec.table(d.getTableEntry().getTableId());
    if (!index.hasDirectMeter(t.kind())) {
      throw P4RuntimeException.invalid(t.table().getPreamble().getAlias() + " has no direct meter");
    }
    TableEntry e = existing(d.getTableEntry());
    TwoRateMeter.Config before = e.meterConfig();
    e.meterConfig(d.hasConfig() ? EntryCodec.meterConfig(d.getConfig()) : null, now());
    return () -> e.meterConfig(before, now());
  }

  private IndexedCounter cells(P4InfoIndex.CounterKind kind) {
    return switch (kind) {
      case RX_PORT -> pipeline.rxPortCounter();
      case TX_PORT -> pipeline.txPortCounter();
      case PUNT -> pipeline.puntCounter();
    };
  }

  private P4InfoOuterClass.Counter counterInfo(int id) throws P4RuntimeException {
    return index.counter(id).orElseThrow(() -> new P4RuntimeException(Status.Code.NOT_FOUND,
        "unknown counter id " + id));
  }

  private Undo counter(Update.Type type, CounterEntry c) throws P4RuntimeException {
    if (type != Update.Type.MODIFY) {
      throw P4RuntimeException.invalid("counter entries can only be modified, not " + type);
    }
    P4InfoOuterClass.Counter info = counterInfo(c.getCounterId());
    IndexedCounter cells = cells(index.counterKind(c.getCounterId()));
    List<Integer> indexes = new ArrayList<>();
    if (c.hasIndex()) {
      indexes.add(checkIndex(info, c.getIndex().getIndex()));
    } else {
      for (int i = 0; i < info.getSize(); i++) {
        indexes.add(i);
      }
    }
    long[][] before = new long[indexes.size()][];
    for (int k = 0; k < indexes.size(); k++) {
      int i = indexes.get(k);
      before[k] = new long[] {cells.packets(i), cells.bytes(i)};
      cells.set(i, c.getData().getPacketCount(), c.getData().getByteCount());
    }
    return () -> {
      for (int k = 0; k < indexes.size(); k++) {
        cells.set(indexes.get(k), before[k][0], before[k][1]);
      }
    };
  }

  private static int checkIndex(P4InfoOuterClass.Counter info, long i) throws P4RuntimeException {
    if (i < 0 || i >= info.getSize()) {
      throw new P4RuntimeException(Status.Code.OUT_OF_RANGE, info.getPreamble().getAlias() + ": index " + i
          + " is outside 0.." + (info.getSize() - 1));
    }
    return (int) i;
  }

  private Undo replication(Update.Type type, PacketReplicationEngineEntry p) throws P4RuntimeException {
    if (!p.hasCloneSessionEntry()) {
      throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, "only clone sessions are supported");
    }
    CloneSessionEntry c = p.getCloneSessionEntry();
    int id = c.getSessionId();
    if (id == 0) {
      throw P4RuntimeException.invalid("clone session id 0 is reserved");
    }
    Map<Integer, CloneSession> sessions = pipeline.cloneSessions();
    CloneSession before = sessions.get(id);
    switch (type) {
      case INSERT -> {
        if (before != null) {
          throw new P4RuntimeException(Status.Code.ALREADY_EXISTS, "clone session " + id + " exists");
        }
        sessions.put(id, session(c));
      }
      case MODIFY -> {
        if (before == null) {
          throw new P4RuntimeException(Status.Code.NOT_FOUND, "no clone session " + id);
        }
        sessions.put(id, session(c));
      }
      case DELETE -> {
        if (before == null) {
          throw new P4RuntimeException(Status.Code.NOT_FOUND, "no clone session " + id);
        }
        sessions.remove(id);
      }
      default -> throw P4RuntimeException.invalid("update type not set");
    }
    return () -> {
      if (before == null) {
        sessions.remove(id);
      } else {
        sessions.put(id, before);
      }
    };
  }

  private static CloneSession session(CloneSessionEntry c) throws P4RuntimeException {
    List<Integer> ports = new ArrayList<>();
    for (Replica r : c.getReplicasList()) {
      if (r.getEgressPort() < 0 || r.getEgressPort() >= 512) {
        throw P4RuntimeException.invalid("clone session " + c.getSessionId() + ": egress port " + r.getEgressPort()
            + " does not fit 9 bits");
      }
      ports.add(r.getEgressPort());
    }
    return new CloneSession(c.getSessionId(), ports, c.getPacketLengthBytes());
  }

  // ---------------------------------------------------------------------------------------------- reads

  List<Entity> read(Entity e) throws P4RuntimeException {
    return switch (e.getEntityCase()) {
      case TABLE_ENTRY -> readTable(e.getTableEntry());
      case DIRECT_COUNTER_ENTRY -> readDirectCounters(e.getDirectCounterEntry());
      case DIRECT_METER_ENTRY -> readDirectMeters(e.getDirectMeterEntry());
      case COUNTER_ENTRY -> readCounters(e.getCounterEntry());
      case PACKET_REPLICATION_ENGINE_ENTRY -> readReplication(e.getPacketReplicationEngineEntry());
      case ENTITY_NOT_SET -> throw P4RuntimeException.invalid("read entity not set");
      default -> throw new P4RuntimeException(Status.Code.UNIMPLEMENTED,
          e.getEntityCase() + " is not supported by the flowtable pipeline");
    };
  }

  /** The entries a read of {@code te} selects: all tables, one table, or one entry. */
  private List<TableEntry> select(p4.v1.P4RuntimeOuterClass.TableEntry te) throws P4RuntimeException {
    if (te.getTableId() == 0) {
      if (te.getMatchCount() > 0 || te.getPriority() != 0 || te.getIsDefaultAction()) {
        throw P4RuntimeException.invalid("a wildcard read (table_id 0) cannot have a match or priority");
      }
      List<TableEntry> all = new ArrayList<>();
      for (P4InfoIndex.TableInfo t : index.tables()) {
        all.addAll(pipeline.store().entries(t.kind()));
      }
      return all;
    }
    P4InfoIndex.TableInfo t = codec.table(te.getTableId());
    if (te.hasTimeSinceLastHit()
        && t.table().getIdleTimeoutBehavior() != P4InfoOuterClass.Table.IdleTimeoutBehavior.NOTIFY_CONTROL) {
      throw P4RuntimeException.invalid(t.table().getPreamble().getAlias() + " does not support idle timeout");
    }
    if (te.getMatchCount() == 0) {
      List<TableEntry> all = pipeline.store().entries(t.kind());
      return te.getPriority() == 0 ? all : all.stream().filter(x -> x.priority() == te.getPriority()).toList();
    }
    EntryCodec.Key key = codec.key(te);
    TableEntry found = pipeline.store().find(t.kind(), key.key());
    return found == null ? List.of() : List.of(found);
  }

  private List<Entity> readTable(p4.v1.P4RuntimeOuterClass.TableEntry te) throws P4RuntimeException {
    List<Entity> out = new ArrayList<>();
    if (te.getIsDefaultAction()) {
      P4InfoIndex.TableInfo t = codec.table(te.getTableId());
      var stored = defaultEntries.get(t.kind());
      var entry = stored != null ? stored : p4.v1.P4RuntimeOuterClass.TableEntry.newBuilder()
          .setTableId(te.getTableId()).setIsDefaultAction(true).setAction(TableAction.newBuilder()
              .setAction(p4.v1.P4RuntimeOuterClass.Action.newBuilder().setActionId(t.defaultActionId()))).build();
      out.add(Entity.newBuilder().setTableEntry(entry).build());
      return out;
    }
    long now = now();
    for (TableEntry e : select(te)) {
      var b = source(e).toBuilder();
      if (te.hasCounterData() && index.directCounterId(e.table()).isPresent()) {
        b.setCounterData(counterData(e.packets(), e.bytes()));
      }
      if (te.hasMeterConfig() && e.meterConfig() != null) {
        b.setMeterConfig(EntryCodec.meterConfig(e.meterConfig()));
      }
      if (te.hasTimeSinceLastHit() && e.table().isFlow()) {
        b.setTimeSinceLastHit(p4.v1.P4RuntimeOuterClass.TableEntry.IdleTimeout.newBuilder()
            .setElapsedNs(Math.max(0, now - e.lastHitNanos())));
      }
      out.add(Entity.newBuilder().setTableEntry(b).build());
    }
    return out;
  }

  private static CounterData counterData(long packets, long bytes) {
    return CounterData.newBuilder().setPacketCount(packets).setByteCount(bytes).build();
  }

  private List<Entity> readDirectCounters(DirectCounterEntry d) throws P4RuntimeException {
    List<Entity> out = new ArrayList<>();
    for (TableEntry e : select(d.getTableEntry())) {
      if (index.directCounterId(e.table()).isEmpty()) {
        continue;
      }
      out.add(Entity.newBuilder().setDirectCounterEntry(DirectCounterEntry.newBuilder()
          .setTableEntry(EntryCodec.keyOnly(source(e)))
          .setData(counterData(e.packets(), e.bytes()))).build());
    }
    return out;
  }

  private List<Entity> readDirectMeters(DirectMeterEntry d) throws P4RuntimeException {
    List<Entity> out = new ArrayList<>();
    for (TableEntry e : select(d.getTableEntry())) {
      if (!index.hasDirectMeter(e.table())) {
        continue;
      }
      DirectMeterEntry.Builder b = DirectMeterEntry.newBuilder()
          .setTableEntry(EntryCodec.keyOnly(source(e)));
      if (e.meterConfig() != null) {
        b.setConfig(EntryCodec.meterConfig(e.meterConfig()));
      }
      out.add(Entity.newBuilder().setDirectMeterEntry(b).build());
    }
    return out;
  }

  private List<Entity> readCounters(CounterEntry c) throws P4RuntimeException {
    List<P4InfoOuterClass.Counter> which = c.getCounterId() == 0 ? index.counters()
        : List.of(counterInfo(c.getCounterId()));
    if (c.getCounterId() == 0 && c.hasIndex()) {
      throw P4RuntimeException.invalid("a wildcard counter read cannot have an index");
    }
    List<Entity> out = new ArrayList<>();
    for (P4InfoOuterClass.Counter info : which) {
      int id = info.getPreamble().getId();
      IndexedCounter cells = cells(index.counterKind(id));
      boolean bytes = info.getSpec().getUnit() != P4InfoOuterClass.CounterSpec.Unit.PACKETS;
      boolean packets = info.getSpec().getUnit() != P4InfoOuterClass.CounterSpec.Unit.BYTES;
      int from = 0;
      int to = (int) info.getSize();
      if (c.hasIndex()) {
        from = checkIndex(info, c.getIndex().getIndex());
        to = from + 1;
      }
      for (int i = from; i < to; i++) {
        out.add(Entity.newBuilder().setCounterEntry(CounterEntry.newBuilder().setCounterId(id)
            .setIndex(Index.newBuilder().setIndex(i))
            .setData(counterData(packets ? cells.packets(i) : 0, bytes ? cells.bytes(i) : 0))).build());
      }
    }
    return out;
  }

  private List<Entity> readReplication(PacketReplicationEngineEntry p) throws P4RuntimeException {
    if (!p.hasCloneSessionEntry()) {
      throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, "only clone sessions are supported");
    }
    int id = p.getCloneSessionEntry().getSessionId();
    List<Entity> out = new ArrayList<>();
    for (CloneSession s : pipeline.cloneSessions().values()) {
      if (id != 0 && s.id() != id) {
        continue;
      }
      CloneSessionEntry.Builder b = CloneSessionEntry.newBuilder().setSessionId(s.id())
          .setPacketLengthBytes(s.packetLengthBytes());
      s.ports().forEach(port -> b.addReplicas(Replica.newBuilder().setEgressPort(port).setInstance(1)));
      out.add(Entity.newBuilder().setPacketReplicationEngineEntry(PacketReplicationEngineEntry.newBuilder()
          .setCloneSessionEntry(b)).build());
    }
    return out;
  }
}
