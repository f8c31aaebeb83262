package org.nftoffload.p4runtime;

import java.util.HashSet;
import java.util.Set;
import org.nftoffload.p4runtime.P4InfoIndex.Field;
import org.nftoffload.p4runtime.P4InfoIndex.TableInfo;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableAction;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.config.v1.P4InfoOuterClass.MatchField.MatchType;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.TableEntry;

/**
 * {@link PiTableEntry} ↔ {@code p4.v1.TableEntry}. Key fields are sent in the P4Info's order; every exact field
 * must be present; a priority is required exactly when the table has a ternary, range or optional field; an idle
 * timeout only on tables whose P4Info asks for idle notifications. Direct counter data comes back on reads.
 */
final class TableEntryCodec {

  private TableEntryCodec() {}

  /** Nanoseconds per second: PI timeouts are seconds (double), P4Runtime's are nanoseconds. */
  static final double NANOS = 1e9;

  static TableEntry encode(PiTableEntry entry, P4InfoIndex index) throws CodecException {
    TableInfo table = index.table(entry.table().id());
    String where = "table '" + table.name() + "'";
    TableEntry.Builder b = TableEntry.newBuilder().setTableId(table.id());
    Set<String> given = new HashSet<>();
    for (PiFieldMatch m : entry.matchKey().fieldMatches()) {
      if (!table.byName().containsKey(m.fieldId().id())) {
        throw new CodecException(where + ": unknown key field '" + m.fieldId().id() + "'");
      }
      given.add(m.fieldId().id());
    }
    for (Field f : table.key()) {
      PiFieldMatch m = entry.matchKey().fieldMatch(org.onosproject.net.pi.model.PiMatchFieldId.of(f.name()))
          .orElse(null);
      if (m == null) {
        if (f.matchType() == MatchType.EXACT && !entry.isDefaultAction()) {
          throw new CodecException(where + ": exact key field '" + f.name() + "' is missing");
        }
        continue;
      }
      FieldMatch fm = FieldMatchCodec.encode(m, f, where);
      if (fm != null) {
        b.addMatch(fm);
      }
    }
    boolean needsPriority = needsPriority(table);
    int priority = entry.priority().orElse(0);
    if (needsPriority && priority <= 0 && !entry.isDefaultAction()) {
      throw new CodecException(where + ": entries need a priority above 0 (the table has ternary/range keys)");
    }
    if (!needsPriority && priority != 0) {
      throw new CodecException(where + ": exact-match entries take no priority, got " + priority);
    }
    b.setPriority(priority);
    PiTableAction action = entry.action();
    if (action != null) {
      if (!(action instanceof PiAction a)) {
        throw new CodecException(where + ": only direct actions are supported, got " + action.type());
      }
      if (!table.actionIds().contains(index.action(a.id().id()).id())) {
        throw new CodecException(where + ": action '" + a.id().id() + "' is not an action of this table");
      }
      b.getActionBuilder().setAction(ActionCodec.encode(a, index, where));
    }
    if (entry.isDefaultAction()) {
      b.setIsDefaultAction(true);
    }
    if (entry.cookie() != 0) {
      b.setControllerMetadata(entry.cookie());
    }
    if (entry.timeout().isPresent()) {
      if (!table.supportsIdleTimeout()) {
        throw new CodecException(where + ": the table does not support idle timeouts");
      }
      double seconds = entry.timeout().get();
      if (!(seconds > 0) || seconds * NANOS > Long.MAX_VALUE) {
        throw new CodecException(where + ": idle timeout " + seconds + " s out of range");
      }
      b.setIdleTimeoutNs(Math.round(seconds * NANOS));
    }
    return b.build();
  }

  static PiTableEntry decode(TableEntry entry, P4InfoIndex index) throws CodecException {
    TableInfo table = index.table(entry.getTableId());
    String where = "table '" + table.name() + "'";
    PiTableEntry.Builder b = PiTableEntry.builder().forTable(PiTableId.of(table.name()));
    PiMatchKey.Builder key = PiMatchKey.builder();
    for (FieldMatch m : entry.getMatchList()) {
      Field f = table.byId().get(m.getFieldId());
      if (f == null) {
        throw new CodecException(where + ": unknown key field id " + m.getFieldId());
      }
      key.addFieldMatch(FieldMatchCodec.decode(m, f, where));
    }
    b.withMatchKey(entry.getMatchCount() == 0 ? PiMatchKey.EMPTY : key.build());
    if (entry.hasAction()) {
      if (!entry.getAction().hasAction()) {
        throw new CodecException(where + ": only direct actions are supported");
      }
      b.withAction(ActionCodec.decode(entry.getAction().getAction(), index, where));
    }
    if (entry.getPriority() != 0) {
      b.withPriority(entry.getPriority());
    }
    if (entry.getControllerMetadata() != 0) {
      b.withCookie(entry.getControllerMetadata());
    }
    if (entry.getIdleTimeoutNs() != 0) {
      b.withTimeout(entry.getIdleTimeoutNs() / NANOS);
    }
    if (entry.hasCounterData()) {
      b.withCounterCellData(new PiCounterCellData(entry.getCounterData().getPacketCount(),
          entry.getCounterData().getByteCount()));
    }
    return b.build();
  }

  static boolean needsPriority(TableInfo table) {
    for (Field f : table.key()) {
      if (f.matchType() == MatchType.TERNARY || f.matchType() == MatchType.RANGE
          || f.matchType() == MatchType.OPTIONAL) {
        return true;
      }
    }
    return false;
  }
}
