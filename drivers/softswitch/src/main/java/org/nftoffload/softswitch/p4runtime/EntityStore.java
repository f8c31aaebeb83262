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
 * ROLLBACK_ON_ERROR and DATAPLANE_ATOMIC batches) and answers reads. Callers hold the switch lock.
 */
final class EntityStore {

  /** Reverts one applied update. */
  @FunctionalInterface
  interface Undo {
    void undo();
  }

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

  Undo apply(Update u) throws P4RuntimeException {
    if (u.getType() == Update.Type.UNSPECIFIED || u.getType() == Update.Type.UNRECOGNIZED) {
      throw P4RuntimeException.invalid("update type not set");
    }
    Entity e = u.getEntity();
    return switch (e.getEntityCase()) {
      case TABLE_ENTRY -> tableEntry(u.getType(), e.getTableEntry());
      case DIRECT_COUNTER_ENTRY -> directCounter(u.getType(), e.getDirectCounterEntry());
      case DIRECT_METER_ENTRY -> directMeter(u.getType(), e.getDirectMeterEntry());
      case COUNTER_ENTRY -> counter(u.getType(), e.getCounterEntry());
      case PACKET_REPLICATION_ENGINE_ENTRY -> replication(u.getType(), e.getPacketReplicationEngineEntry());
      case ENTITY_NOT_SET -> throw P4RuntimeException.invalid("update has no entity");
      default -> throw new P4RuntimeException(Status.Code.UNIMPLEMENTED,
          e.getEntityCase() + " is not supported by the flowtable pipeline");
    };
  }

  private static P4RuntimeException fromTable(TableException e) {
    return new P4RuntimeException(Status.Code.valueOf(e.reason().name()), e.getMessage());
  }

  private Undo tableEntry(Update.Type type, p4.v1.P4RuntimeOuterClass.TableEntry te) throws P4RuntimeException {
    P4InfoIndex.TableInfo t = codec.table(te.getTableId());
    TableKind kind = t.kind();
    String name = t.table().getPreamble().getAlias();
    if (te.getIsDefaultAction()) {
      return defaultEntry(type, te, t);
    }
    EntryCodec.Key key = codec.key(te);
    if (type == Update.Type.DELETE) {
      try {
        TableEntry removed = pipeline.store().remove(kind, key.key());
        return () -> reinsert(removed);
      } catch (TableException ex) {
        throw fromTable(ex);
      }
    }
    if (te.hasTimeSinceLastHit()) {
      throw P4RuntimeException.invalid(name + ": time_since_last_hit must be unset in a write");
    }
    TableEntry existing = null;
    if (type == Update.Type.MODIFY) {
      existing = pipeline.store().find(kind, key.key());
      if (existing == null) {
        throw new P4RuntimeException(Status.Code.NOT_FOUND, name + ": no such entry to modify");
      }
    }
    // MODIFY without an action keeps the entry's action (spec: "Action Specification")
    var action = type == Update.Type.MODIFY && !te.hasAction() ? existing.action()
        : codec.action(t, te.getAction(), false);
    long idle = te.getIdleTimeoutNs();
    if (idle < 0) {
      throw P4RuntimeException.invalid(name + ": negative idle_timeout_ns");
    }
    if (idle != 0 && t.table().getIdleTimeoutBehavior() != P4InfoOuterClass.Table.IdleTimeoutBehavior.NOTIFY_CONTROL) {
      throw P4RuntimeException.invalid(name + " does not support idle timeout");
    }
    if (te.hasMeterConfig() && !index.hasDirectMeter(kind)) {
      throw P4RuntimeException.invalid(name + " has no direct meter");
    }
    if (te.hasMeterConfig() && !(action instanceof org.nftoffload.softswitch.pipeline.Action.Meter)) {
      throw P4RuntimeException.invalid(name + ": meter_config given for an action that does not execute the meter");
    }
    TwoRateMeter.Config meter = te.hasMeterConfig() ? EntryCodec.meterConfig(te.getMeterConfig()) : null;
    if (te.hasCounterData() && index.directCounterId(kind).isEmpty()) {
      throw P4RuntimeException.invalid(name + " has no direct counter");
    }
    var canonical = EntryCodec.canonical(type == Update.Type.MODIFY && !te.hasAction()
        ? te.toBuilder().setAction(((p4.v1.P4RuntimeOuterClass.TableEntry) existing.source()).getAction()).build()
        : te);
    long now = now();
    if (type == Update.Type.INSERT) {
      TableEntry entry = kind == TableKind.ACL
          ? TableEntry.acl(((TableEntry.AclKey) key.key()).match(), key.priority(), action, canonical, now)
          : TableEntry.flow(kind, (org.nftoffload.softswitch.pipeline.FlowKey) key.key(), action, idle, canonical,
              now);
      if (meter != null) {
        entry.meterConfig(meter, now);
      }
      if (te.hasCounterData()) {
        entry.counter(te.getCounterData().getPacketCount(), te.getCounterData().getByteCount());
      }
      try {
        pipeline.store().insert(entry);
      } catch (TableException ex) {
        throw fromTable(ex);
      }
      return () -> {
        try {
          pipeline.store().remove(kind, key.key());
        } catch (TableException ex) {
          throw new IllegalStateException("undo of an insert found no entry", ex);
        }
      };
    }
    TableEntry modified = existing;
    TableEntry.Memento before = modified.memento();
    modified.action(action);
    modified.source(canonical);
    if (idle != modified.idleTimeoutNs()) {
      modified.idleTimeoutNs(idle, now);
    }
    // MODIFY is a full snapshot: an unset meter_config resets the meter to its default (all green)
    if (!java.util.Objects.equals(meter, modified.meterConfig())) {
      modified.meterConfig(meter, now);
    }
    if (te.hasCounterData()) {
      modified.counter(te.getCounterData().getPacketCount(), te.getCounterData().getByteCount());
    }
    return () -> modified.restore(before, now());
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
      var b = ((p4.v1.P4RuntimeOuterClass.TableEntry) e.source()).toBuilder();
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
          .setTableEntry(EntryCodec.keyOnly((p4.v1.P4RuntimeOuterClass.TableEntry) e.source()))
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
          .setTableEntry(EntryCodec.keyOnly((p4.v1.P4RuntimeOuterClass.TableEntry) e.source()));
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
