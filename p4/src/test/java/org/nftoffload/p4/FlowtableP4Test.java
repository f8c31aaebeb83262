package org.nftoffload.p4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtableP4.Action;
import org.nftoffload.p4.FlowtableP4.PacketMetadata;
import org.nftoffload.p4.FlowtableP4.Table;
import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionModel;
import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.model.PiCounterModel;
import org.onosproject.net.pi.model.PiCounterType;
import org.onosproject.net.pi.model.PiMatchFieldModel;
import org.onosproject.net.pi.model.PiMeterModel;
import org.onosproject.net.pi.model.PiMeterType;
import org.onosproject.net.pi.model.PiPacketMetadataModel;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiTableModel;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Preamble;

/** Every Java constant of {@link FlowtableP4} resolves in the checked-in P4Info, and the P4Info has nothing else. */
class FlowtableP4Test {

  private static final int NO_ACTION_ID = 21257015;

  private static PiPipelineModel model;
  private static P4Info p4Info;

  @BeforeAll
  static void load() {
    FlowtablePipeline pipeline = FlowtablePipeline.load();
    model = pipeline.model();
    p4Info = pipeline.p4Info();
  }

  /** Whichever class a caller touches first (a test building a flow entry, say), every constant is set. */
  @Test
  void anyTableClassMayBeInitialisedFirst() throws Exception {
    List<java.net.URL> path = new ArrayList<>();
    for (String p : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      path.add(java.nio.file.Path.of(p).toUri().toURL());
    }
    for (String nested : List.of("FlowV4", "FlowV6", "Acl", "PacketIn")) {
      try (java.net.URLClassLoader fresh = new java.net.URLClassLoader(path.toArray(java.net.URL[]::new),
          ClassLoader.getPlatformClassLoader())) {
        Class<?> first = Class.forName(FlowtableP4.class.getName() + "$" + nested, true, fresh);
        assertTrue(first.getClassLoader() == fresh, "loaded afresh");
        List<?> tables = (List<?>) Class.forName(FlowtableP4.class.getName(), true, fresh).getField("TABLES")
            .get(null);
        assertEquals(3, tables.size(), nested + " first");
      }
    }
  }

  @Test
  void everyTableResolvesWithItsKeyInOrder() {
    for (Table table : FlowtableP4.TABLES) {
      PiTableModel tm = model.table(table.id()).orElseThrow(() -> new AssertionError("no table " + table.id()));
      List<PiMatchFieldModel> fields = new ArrayList<>(tm.matchFields());
      assertEquals(table.key().size(), fields.size(), table.id() + " key size");
      for (int i = 0; i < fields.size(); i++) {
        FlowtableP4.MatchField expected = table.key().get(i);
        PiMatchFieldModel actual = fields.get(i);
        assertEquals(expected.id(), actual.id(), table.id() + " key field " + (i + 1));
        assertEquals(expected.bitWidth(), actual.bitWidth(), table.id() + "." + expected.id() + " width");
        assertEquals(expected.matchType(), actual.matchType(), table.id() + "." + expected.id() + " match kind");
      }
      assertEquals(table.idleTimeout(), tm.supportsAging(), table.id() + " idle timeout");
    }
  }

  @Test
  void everyActionResolvesWithItsParamsInOrder() {
    for (Table table : FlowtableP4.TABLES) {
      PiTableModel tm = model.table(table.id()).orElseThrow();
      Set<PiActionId> expected = table.actions().stream().map(Action::id).collect(Collectors.toSet());
      expected.add(PiActionId.of("NoAction"));
      assertEquals(expected, tm.actions().stream().map(PiActionModel::id).collect(Collectors.toSet()),
          table.id() + " actions");
      for (Action action : table.actions()) {
        PiActionModel am = tm.action(action.id()).orElseThrow();
        var params = new ArrayList<>(am.params());
        assertEquals(action.params().size(), params.size(), action.id() + " param count");
        for (int i = 0; i < params.size(); i++) {
          assertEquals(action.params().get(i).id(), params.get(i).id(), action.id() + " param " + (i + 1));
          assertEquals(action.params().get(i).bitWidth(), params.get(i).bitWidth(),
              action.id() + "." + params.get(i).id() + " width");
        }
      }
    }
  }

  @Test
  void directResourcesBelongToTheirTables() {
    for (Table table : FlowtableP4.TABLES) {
      PiCounterModel counter = model.counter(table.directCounter()).orElseThrow();
      assertEquals(PiCounterType.DIRECT, counter.counterType());
      assertEquals(PiCounterModel.Unit.PACKETS_AND_BYTES, counter.unit());
      assertEquals(table.id(), counter.table());
      assertEquals(Optional.of(true), model.table(table.id()).map(t -> t.counters().contains(counter)));
      table.directMeter().ifPresent(meterId -> {
        PiMeterModel meter = model.meter(meterId).orElseThrow();
        assertEquals(PiMeterType.DIRECT, meter.meterType());
        assertEquals(PiMeterModel.Unit.PACKETS, meter.unit(), "nft limit rate N/second counts packets");
        assertEquals(table.id(), meter.table());
      });
    }
  }

  @Test
  void portAndPuntCountersAreIndexedWideEnough() {
    assertIndirect(FlowtableP4.RX_PORT_COUNTER, 1 << FlowtableP4.PORT_BITS, PiCounterModel.Unit.PACKETS_AND_BYTES);
    assertIndirect(FlowtableP4.TX_PORT_COUNTER, 1 << FlowtableP4.PORT_BITS, PiCounterModel.Unit.PACKETS_AND_BYTES);
    int maxReason = Stream.of(FlowtableP4.PuntReason.values()).mapToInt(FlowtableP4.PuntReason::code).max().orElseThrow();
    assertIndirect(FlowtableP4.PUNT_COUNTER, maxReason + 1, PiCounterModel.Unit.PACKETS);
  }

  private static void assertIndirect(PiCounterId id, long minSize, PiCounterModel.Unit unit) {
    PiCounterModel counter = model.counter(id).orElseThrow(() -> new AssertionError("no counter " + id));
    assertEquals(PiCounterType.INDIRECT, counter.counterType(), id.toString());
    assertTrue(counter.size() >= minSize, id + " size " + counter.size() + " < " + minSize);
    assertEquals(unit, counter.unit(), id.toString());
  }

  @Test
  void controllerHeadersCarryTheContractFields() {
    assertMetadata(PiPacketOperationType.PACKET_IN, List.of(FlowtableP4.PacketIn.INGRESS_PORT, FlowtableP4.PacketIn.REASON));
    assertMetadata(PiPacketOperationType.PACKET_OUT, List.of(FlowtableP4.PacketOut.EGRESS_PORT));
  }

  private static void assertMetadata(PiPacketOperationType type, List<PacketMetadata> expected) {
    Map<Object, PiPacketMetadataModel> actual = model.packetOperationModel(type).orElseThrow().metadatas().stream()
        .collect(Collectors.toMap(PiPacketMetadataModel::id, Function.identity()));
    for (PacketMetadata field : expected) {
      PiPacketMetadataModel m = actual.get(field.id());
      assertTrue(m != null, type + " has no field " + field.id());
      assertEquals(field.bitWidth(), m.bitWidth(), type + "." + field.id());
    }
    // padding keeps the header byte aligned, as v1model deparsers need
    int total = actual.values().stream().mapToInt(PiPacketMetadataModel::bitWidth).sum();
    assertEquals(0, total % 8, type + " header is " + total + " bits");
  }

  @Test
  void theP4InfoHasNothingTheJavaSideDoesNotKnow() {
    Set<Object> knownTables = FlowtableP4.TABLES.stream().map(Table::id).collect(Collectors.toSet());
    assertEquals(knownTables, model.tables().stream().map(PiTableModel::id).collect(Collectors.toSet()));
    Set<Object> knownActions = FlowtableP4.TABLES.stream().flatMap(t -> t.actions().stream()).map(Action::id)
        .collect(Collectors.toSet());
    knownActions.add(PiActionId.of("NoAction"));
    assertEquals(knownActions,
        model.tables().stream().flatMap(t -> t.actions().stream()).map(PiActionModel::id).collect(Collectors.toSet()),
        "actions");
    assertEquals(p4Info.getActionsCount(), knownActions.size(), "every P4Info action is used by a table");
  }

  /** The @id prefixes P4Runtime reserves per object kind; ids never collide. */
  @Test
  void idsCarryTheirP4RuntimePrefixAndAreUnique() {
    Set<Integer> seen = new HashSet<>();
    p4Info.getTablesList().forEach(t -> assertPrefix(t.getPreamble(), 0x02, seen));
    p4Info.getActionsList().stream().filter(a -> a.getPreamble().getId() != NO_ACTION_ID)
        .forEach(a -> assertPrefix(a.getPreamble(), 0x01, seen));
    p4Info.getCountersList().forEach(c -> assertPrefix(c.getPreamble(), 0x12, seen));
    p4Info.getDirectCountersList().forEach(c -> assertPrefix(c.getPreamble(), 0x13, seen));
    p4Info.getDirectMetersList().forEach(m -> assertPrefix(m.getPreamble(), 0x15, seen));
    p4Info.getControllerPacketMetadataList().forEach(h -> assertPrefix(h.getPreamble(), 0x04, seen));
    assertTrue(p4Info.getActionsList().stream().anyMatch(a -> a.getPreamble().getId() == NO_ACTION_ID));
  }

  private static void assertPrefix(Preamble preamble, int prefix, Set<Integer> seen) {
    assertEquals(prefix, preamble.getId() >>> 24, preamble.getName() + " id " + Integer.toHexString(preamble.getId()));
    assertTrue(seen.add(preamble.getId()), "duplicate id " + Integer.toHexString(preamble.getId()));
    String fq = preamble.getName();
    assertEquals(fq.substring(fq.lastIndexOf('.') + 1), preamble.getAlias(), "alias of " + fq);
  }

  @Test
  void flowTablesNotifyTheControllerOnIdleTimeout() {
    p4Info.getTablesList().forEach(t -> {
      boolean flow = t.getPreamble().getAlias().startsWith("flow_");
      assertEquals(flow ? "NOTIFY_CONTROL" : "NO_TIMEOUT", t.getIdleTimeoutBehavior().name(), t.getPreamble().getName());
      assertEquals(NO_ACTION_ID, t.getConstDefaultActionId(), t.getPreamble().getName() + " default action");
      assertFalse(t.getSize() <= 0, t.getPreamble().getName() + " size");
    });
  }
}
