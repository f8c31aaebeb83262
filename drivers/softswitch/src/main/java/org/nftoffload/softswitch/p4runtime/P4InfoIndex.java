package org.nftoffload.softswitch.p4runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.softswitch.pipeline.TableKind;
import p4.config.v1.P4InfoOuterClass.Action;
import p4.config.v1.P4InfoOuterClass.ActionRef;
import p4.config.v1.P4InfoOuterClass.ControllerPacketMetadata;
import p4.config.v1.P4InfoOuterClass.Counter;
import p4.config.v1.P4InfoOuterClass.DirectCounter;
import p4.config.v1.P4InfoOuterClass.DirectMeter;
import p4.config.v1.P4InfoOuterClass.MatchField;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Table;

/**
 * The P4Info seen from the switch: numeric ids (which come only from the P4Info) resolved to the pipeline's
 * tables, actions, counters and controller header fields, which are named through {@link FlowtableP4}.
 */
public final class P4InfoIndex {

  /** The indexed counters of the pipeline. */
  public enum CounterKind { RX_PORT, TX_PORT, PUNT }

  /** A table as the P4Info declares it. */
  public record TableInfo(TableKind kind, Table table, Map<Integer, MatchField> fields, Map<Integer, ActionRef> actions,
      boolean constDefault, int defaultActionId) {}

  private final P4Info p4Info;
  private final Map<Integer, TableInfo> tables = new HashMap<>();
  private final Map<TableKind, TableInfo> tablesByKind = new HashMap<>();
  private final Map<Integer, Action> actions = new HashMap<>();
  private final Map<Integer, TableKind> directCounters = new HashMap<>();
  private final Map<TableKind, Integer> directCounterIds = new HashMap<>();
  private final Map<Integer, TableKind> directMeters = new HashMap<>();
  private final Map<TableKind, Integer> directMeterIds = new HashMap<>();
  private final Map<Integer, Counter> counters = new HashMap<>();
  private final Map<Integer, CounterKind> counterKinds = new HashMap<>();
  private final Map<CounterKind, Integer> counterIds = new HashMap<>();
  private final ControllerPacketMetadata packetIn;
  private final ControllerPacketMetadata packetOut;
  private final int noActionId;

  /** Indexes {@code p4Info}; fails if an object the pipeline needs is missing. */
  public P4InfoIndex(P4Info p4Info) {
    this.p4Info = p4Info;
    Map<String, Integer> actionIds = new HashMap<>();
    p4Info.getActionsList().forEach(a -> {
      actions.put(a.getPreamble().getId(), a);
      actionIds.put(a.getPreamble().getName(), a.getPreamble().getId());
    });
    noActionId = require(actionIds.get("NoAction"), "action NoAction");
    for (Table t : p4Info.getTablesList()) {
      TableKind kind = kindOf(t.getPreamble().getName());
      Map<Integer, MatchField> fields = new HashMap<>();
      t.getMatchFieldsList().forEach(f -> fields.put(f.getId(), f));
      Map<Integer, ActionRef> refs = new HashMap<>();
      t.getActionRefsList().forEach(r -> refs.put(r.getId(), r));
      int defaultId = t.getConstDefaultActionId() != 0 ? t.getConstDefaultActionId() : noActionId;
      TableInfo info = new TableInfo(kind, t, fields, refs, t.getConstDefaultActionId() != 0, defaultId);
      tables.put(t.getPreamble().getId(), info);
      tablesByKind.put(kind, info);
    }
    for (DirectCounter c : p4Info.getDirectCountersList()) {
      TableKind kind = tableKindOfId(c.getDirectTableId());
      directCounters.put(c.getPreamble().getId(), kind);
      directCounterIds.put(kind, c.getPreamble().getId());
    }
    for (DirectMeter m : p4Info.getDirectMetersList()) {
      TableKind kind = tableKindOfId(m.getDirectTableId());
      directMeters.put(m.getPreamble().getId(), kind);
      directMeterIds.put(kind, m.getPreamble().getId());
    }
    for (Counter c : p4Info.getCountersList()) {
      String name = c.getPreamble().getName();
      CounterKind kind = name.equals(FlowtableP4.RX_PORT_COUNTER.id()) ? CounterKind.RX_PORT
          : name.equals(FlowtableP4.TX_PORT_COUNTER.id()) ? CounterKind.TX_PORT
          : name.equals(FlowtableP4.PUNT_COUNTER.id()) ? CounterKind.PUNT : null;
      if (kind == null) {
        throw new IllegalArgumentException("P4Info counter " + name + " is unknown to the software switch");
      }
      counters.put(c.getPreamble().getId(), c);
      counterKinds.put(c.getPreamble().getId(), kind);
      counterIds.put(kind, c.getPreamble().getId());
    }
    for (CounterKind kind : CounterKind.values()) {
      require(counterIds.get(kind), "counter " + kind);
    }
    for (TableKind kind : TableKind.values()) {
      require(tablesByKind.get(kind), "table " + kind);
    }
    packetIn = header("packet_in");
    packetOut = header("packet_out");
  }

  private ControllerPacketMetadata header(String name) {
    return p4Info.getControllerPacketMetadataList().stream().filter(h -> h.getPreamble().getName().equals(name))
        .findFirst().orElseThrow(() -> new IllegalArgumentException("P4Info has no controller header " + name));
  }

  private static <T> T require(T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException("P4Info has no " + what);
    }
    return value;
  }

  private static TableKind kindOf(String name) {
    for (FlowtableP4.Table t : FlowtableP4.TABLES) {
      if (t.id().id().equals(name)) {
        return t == FlowtableP4.Acl.TABLE ? TableKind.ACL
            : t == FlowtableP4.FlowV4.TABLE ? TableKind.FLOW_V4 : TableKind.FLOW_V6;
      }
    }
    throw new IllegalArgumentException("P4Info table " + name + " is unknown to the software switch");
  }

  private TableKind tableKindOfId(int tableId) {
    TableInfo t = tables.get(tableId);
    if (t == null) {
      throw new IllegalArgumentException("P4Info direct resource on unknown table " + tableId);
    }
    return t.kind();
  }

  public P4Info p4Info() {
    return p4Info;
  }

  public Optional<TableInfo> table(int id) {
    return Optional.ofNullable(tables.get(id));
  }

  public TableInfo table(TableKind kind) {
    return tablesByKind.get(kind);
  }

  public List<TableInfo> tables() {
    return p4Info.getTablesList().stream().map(t -> tables.get(t.getPreamble().getId())).toList();
  }

  public Optional<Action> action(int id) {
    return Optional.ofNullable(actions.get(id));
  }

  public int noActionId() {
    return noActionId;
  }

  public Optional<TableKind> directCounterTable(int id) {
    return Optional.ofNullable(directCounters.get(id));
  }

  public Optional<Integer> directCounterId(TableKind kind) {
    return Optional.ofNullable(directCounterIds.get(kind));
  }

  public Optional<TableKind> directMeterTable(int id) {
    return Optional.ofNullable(directMeters.get(id));
  }

  public boolean hasDirectMeter(TableKind kind) {
    return directMeterIds.containsKey(kind);
  }

  public Optional<Counter> counter(int id) {
    return Optional.ofNullable(counters.get(id));
  }

  public CounterKind counterKind(int id) {
    return counterKinds.get(id);
  }

  public List<Counter> counters() {
    return p4Info.getCountersList();
  }

  public int counterSize(CounterKind kind) {
    return (int) counters.get(counterIds.get(kind)).getSize();
  }

  public ControllerPacketMetadata packetIn() {
    return packetIn;
  }

  public ControllerPacketMetadata packetOut() {
    return packetOut;
  }

  /** The id of a packet_in / packet_out field by name. */
  public static int metadataId(ControllerPacketMetadata header, String name) {
    return header.getMetadataList().stream().filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(header.getPreamble().getName() + " has no field " + name))
        .getId();
  }

  /** Table size in the P4Info, the default capacity. */
  public int size(TableKind kind) {
    return (int) tablesByKind.get(kind).table().getSize();
  }
}
