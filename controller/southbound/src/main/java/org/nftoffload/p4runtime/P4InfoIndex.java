package org.nftoffload.p4runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import p4.config.v1.P4InfoOuterClass.Action;
import p4.config.v1.P4InfoOuterClass.ControllerPacketMetadata;
import p4.config.v1.P4InfoOuterClass.MatchField;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Table;

/**
 * Names to ids and back, with bit widths and match kinds, for one P4Info: what every codec looks up. Built once
 * per pipeline; lookups are hash-map reads so encoding a table entry costs no scan of the P4Info.
 */
final class P4InfoIndex {

  /** A key field of a table as the P4Info declares it. */
  record Field(int id, String name, int bitWidth, MatchField.MatchType matchType, int position) {}

  /** A parameter of an action as the P4Info declares it. */
  record Param(int id, String name, int bitWidth, int position) {}

  /** An action with its parameters by name and by id. */
  record ActionInfo(int id, String name, List<Param> ordered, Map<String, Param> byName, Map<Integer, Param> byId) {}

  /** A table with its key fields by name and by id, the actions it allows, and whether it has a direct counter. */
  record TableInfo(int id, String name, List<Field> key, Map<String, Field> byName, Map<Integer, Field> byId,
      java.util.Set<Integer> actionIds, boolean hasDirectCounter, boolean supportsIdleTimeout, boolean allExact) {}

  /** Controller packet header fields (packet_in or packet_out) by name and by id. */
  record PacketHeader(String name, Map<String, Param> byName, Map<Integer, Param> byId) {}

  private final P4Info p4Info;
  private final Map<String, TableInfo> tablesByName = new HashMap<>();
  private final Map<Integer, TableInfo> tablesById = new HashMap<>();
  private final Map<String, ActionInfo> actionsByName = new HashMap<>();
  private final Map<Integer, ActionInfo> actionsById = new HashMap<>();
  private final Map<String, PacketHeader> packetHeaders = new HashMap<>();

  P4InfoIndex(P4Info p4Info) {
    this.p4Info = p4Info;
    for (Action a : p4Info.getActionsList()) {
      Map<String, Param> byName = new HashMap<>();
      Map<Integer, Param> byId = new HashMap<>();
      List<Param> ordered = new java.util.ArrayList<>();
      for (Action.Param p : a.getParamsList()) {
        Param param = new Param(p.getId(), p.getName(), p.getBitwidth(), ordered.size());
        ordered.add(param);
        byName.put(p.getName(), param);
        byId.put(p.getId(), param);
      }
      ActionInfo info = new ActionInfo(a.getPreamble().getId(), a.getPreamble().getName(), List.copyOf(ordered),
          Map.copyOf(byName),
          Map.copyOf(byId));
      actionsByName.put(info.name(), info);
      actionsById.put(info.id(), info);
    }
    java.util.Set<Integer> directCounterTables = new java.util.HashSet<>();
    p4Info.getDirectCountersList().forEach(dc -> directCounterTables.add(dc.getDirectTableId()));
    for (Table t : p4Info.getTablesList()) {
      List<Field> fields = new java.util.ArrayList<>();
      for (MatchField m : t.getMatchFieldsList()) {
        fields.add(new Field(m.getId(), m.getName(), m.getBitwidth(), m.getMatchType(), fields.size()));
      }
      List<Field> key = List.copyOf(fields);
      Map<String, Field> byName = new HashMap<>();
      Map<Integer, Field> byId = new HashMap<>();
      key.forEach(f -> {
        byName.put(f.name(), f);
        byId.put(f.id(), f);
      });
      java.util.Set<Integer> actionIds = new java.util.HashSet<>();
      t.getActionRefsList().forEach(r -> actionIds.add(r.getId()));
      TableInfo info = new TableInfo(t.getPreamble().getId(), t.getPreamble().getName(), key, Map.copyOf(byName),
          Map.copyOf(byId), java.util.Set.copyOf(actionIds), directCounterTables.contains(t.getPreamble().getId()),
          t.getIdleTimeoutBehavior() == Table.IdleTimeoutBehavior.NOTIFY_CONTROL,
          key.stream().allMatch(f -> f.matchType() == MatchField.MatchType.EXACT));
      tablesByName.put(info.name(), info);
      tablesById.put(info.id(), info);
    }
    for (ControllerPacketMetadata c : p4Info.getControllerPacketMetadataList()) {
      Map<String, Param> byName = new HashMap<>();
      Map<Integer, Param> byId = new HashMap<>();
      for (ControllerPacketMetadata.Metadata m : c.getMetadataList()) {
        Param p = new Param(m.getId(), m.getName(), m.getBitwidth(), byName.size());
        byName.put(m.getName(), p);
        byId.put(m.getId(), p);
      }
      packetHeaders.put(c.getPreamble().getName(), new PacketHeader(c.getPreamble().getName(), byName, byId));
    }
  }

  P4Info p4Info() {
    return p4Info;
  }

  TableInfo table(String name) throws CodecException {
    TableInfo t = tablesByName.get(name);
    if (t == null) {
      throw new CodecException("table '" + name + "' is not in the P4Info");
    }
    return t;
  }

  TableInfo table(int id) throws CodecException {
    TableInfo t = tablesById.get(id);
    if (t == null) {
      throw new CodecException("table id " + id + " is not in the P4Info");
    }
    return t;
  }

  Optional<TableInfo> findTable(String name) {
    return Optional.ofNullable(tablesByName.get(name));
  }

  java.util.Collection<TableInfo> tables() {
    return tablesById.values();
  }

  ActionInfo action(String name) throws CodecException {
    ActionInfo a = actionsByName.get(name);
    if (a == null) {
      throw new CodecException("action '" + name + "' is not in the P4Info");
    }
    return a;
  }

  Optional<ActionInfo> findAction(String name) {
    return Optional.ofNullable(actionsByName.get(name));
  }

  ActionInfo action(int id) throws CodecException {
    ActionInfo a = actionsById.get(id);
    if (a == null) {
      throw new CodecException("action id " + id + " is not in the P4Info");
    }
    return a;
  }

  PacketHeader packetHeader(String name) throws CodecException {
    PacketHeader h = packetHeaders.get(name);
    if (h == null) {
      throw new CodecException("controller packet header '" + name + "' is not in the P4Info");
    }
    return h;
  }
}
