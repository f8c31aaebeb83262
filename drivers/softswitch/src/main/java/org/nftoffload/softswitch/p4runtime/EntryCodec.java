package org.nftoffload.softswitch.p4runtime;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.softswitch.pipeline.AclMatch;
import org.nftoffload.softswitch.pipeline.AclMatch.Range;
import org.nftoffload.softswitch.pipeline.AclMatch.Ternary;
import org.nftoffload.softswitch.pipeline.Action;
import org.nftoffload.softswitch.pipeline.Action.VlanMode;
import org.nftoffload.softswitch.pipeline.FlowKey;
import org.nftoffload.softswitch.pipeline.TableEntry;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.pipeline.TwoRateMeter;
import p4.config.v1.P4InfoOuterClass;
import p4.config.v1.P4InfoOuterClass.ActionRef;
import p4.config.v1.P4InfoOuterClass.MatchField;
import p4.v1.P4RuntimeOuterClass;
import p4.v1.P4RuntimeOuterClass.FieldMatch;

/**
 * Translates P4Runtime table entries into the pipeline's compiled form and checks them as the spec asks: known
 * ids, match kinds as declared, every exact field present, don't-care ternary/range fields omitted, masks and
 * ranges well formed, priorities only (and always) on ternary/range tables, actions allowed in the table with
 * every parameter once, bytestrings that fit their fields. It also produces the canonical form of an entry,
 * which reads return.
 *
 * <p>Writes go through a {@link Decoder}: it reads the parsed message's fields in place (bytestrings decoded
 * byte by byte into longs, ids resolved through small arrays prepared from the P4Info), so an entry that is valid
 * costs no protobuf builder, no map and no string; messages are built only when something is refused.
 */
public final class EntryCodec {

  /** A table entry key: the table, its pipeline key (FlowKey or AclKey) and the priority. */
  public record Key(TableKind table, Object key, int priority) {}

  private static final Action NO_ACTION = new Action.NoAction();
  private static final Action PERMIT = new Action.Permit();
  private static final Action DROP = new Action.Drop();
  private static final Action PUNT = new Action.Punt();
  private static final Action COPY_TO_CPU = new Action.CopyToCpu();
  private static final Action METER = new Action.Meter();

  /** What an action does in the pipeline, resolved from its name once. */
  private enum ActionKind { NO_ACTION, PERMIT, DROP, PUNT, COPY_TO_CPU, METER, FORWARD, FORWARD_UNTAG, FORWARD_VLAN,
    NAT_V4, NAT_V6, UNKNOWN }

  /** An action of the P4Info with its parameters in P4Info order and the slots the pipeline action reads. */
  private static final class ActionCodec {
    final int id;
    final String name;
    final ActionKind kind;
    final int[] paramIds;
    final int[] widths;
    final String[] what;
    final String[] names;
    final int port;
    final int smac;
    final int dmac;
    final int vlan;
    final int natSrc;
    final int natDst;
    final int natSport;
    final int natDport;
    /** Parameter slots in id order (the canonical order). */
    final int[] byId;

    ActionCodec(P4InfoOuterClass.Action info, int noActionId) {
      id = info.getPreamble().getId();
      name = info.getPreamble().getName();
      int n = info.getParamsCount();
      paramIds = new int[n];
      widths = new int[n];
      what = new String[n];
      names = new String[n];
      for (int i = 0; i < n; i++) {
        names[i] = info.getParams(i).getName();
        paramIds[i] = info.getParams(i).getId();
        widths[i] = info.getParams(i).getBitwidth();
        what[i] = name + "." + info.getParams(i).getName();
      }
      kind = kindOf(name, id == noActionId);
      boolean forward = kind.ordinal() >= ActionKind.FORWARD.ordinal() && kind != ActionKind.UNKNOWN;
      port = forward ? slot(info, FlowtableP4.PORT.id().id()) : -1;
      smac = forward ? slot(info, FlowtableP4.SMAC.id().id()) : -1;
      dmac = forward ? slot(info, FlowtableP4.DMAC.id().id()) : -1;
      boolean vlanParam = kind == ActionKind.FORWARD_VLAN || kind == ActionKind.NAT_V4 || kind == ActionKind.NAT_V6;
      vlan = vlanParam ? slot(info, FlowtableP4.VLAN_ID.id().id()) : -1;
      boolean v4 = kind == ActionKind.NAT_V4;
      boolean nat = v4 || kind == ActionKind.NAT_V6;
      natSrc = nat ? slot(info, (v4 ? FlowtableP4.FlowV4.NAT_IPV4_SRC : FlowtableP4.FlowV6.NAT_IPV6_SRC).id().id()) : -1;
      natDst = nat ? slot(info, (v4 ? FlowtableP4.FlowV4.NAT_IPV4_DST : FlowtableP4.FlowV6.NAT_IPV6_DST).id().id()) : -1;
      natSport = nat ? slot(info, FlowtableP4.FlowV4.NAT_L4_SPORT.id().id()) : -1;
      natDport = nat ? slot(info, FlowtableP4.FlowV4.NAT_L4_DPORT.id().id()) : -1;
      byId = idOrder(paramIds);
    }

    private static ActionKind kindOf(String name, boolean noAction) {
      if (noAction) {
        return ActionKind.NO_ACTION;
      }
      if (name.equals(FlowtableP4.Acl.PERMIT.id().id())) {
        return ActionKind.PERMIT;
      }
      if (name.equals(FlowtableP4.Acl.DROP.id().id())) {
        return ActionKind.DROP;
      }
      if (name.equals(FlowtableP4.Acl.PUNT.id().id())) {
        return ActionKind.PUNT;
      }
      if (name.equals(FlowtableP4.Acl.COPY_TO_CPU.id().id())) {
        return ActionKind.COPY_TO_CPU;
      }
      if (name.equals(FlowtableP4.Acl.METER.id().id())) {
        return ActionKind.METER;
      }
      if (name.equals(FlowtableP4.FlowV4.FORWARD.id().id()) || name.equals(FlowtableP4.FlowV6.FORWARD.id().id())) {
        return ActionKind.FORWARD;
      }
      if (name.equals(FlowtableP4.FlowV4.FORWARD_UNTAG.id().id())
          || name.equals(FlowtableP4.FlowV6.FORWARD_UNTAG.id().id())) {
        return ActionKind.FORWARD_UNTAG;
      }
      if (name.equals(FlowtableP4.FlowV4.FORWARD_VLAN.id().id())
          || name.equals(FlowtableP4.FlowV6.FORWARD_VLAN.id().id())) {
        return ActionKind.FORWARD_VLAN;
      }
      if (name.equals(FlowtableP4.FlowV4.NAT.id().id())) {
        return ActionKind.NAT_V4;
      }
      if (name.equals(FlowtableP4.FlowV6.NAT.id().id())) {
        return ActionKind.NAT_V6;
      }
      return ActionKind.UNKNOWN;
    }

    private static int slot(P4InfoOuterClass.Action info, String param) {
      for (int i = 0; i < info.getParamsCount(); i++) {
        if (info.getParams(i).getName().equals(param)) {
          return i;
        }
      }
      throw new IllegalArgumentException("P4Info action " + info.getPreamble().getName() + " has no parameter "
          + param);
    }

    int slotOf(int paramId) {
      if (paramId > 0 && paramId <= paramIds.length && paramIds[paramId - 1] == paramId) {
        return paramId - 1; // ids are usually 1..n in P4Info order
      }
      for (int i = 0; i < paramIds.length; i++) {
        if (paramIds[i] == paramId) {
          return i;
        }
      }
      return -1;
    }
  }

  /**
   * A table of the P4Info resolved for decoding: match fields in P4Info order with their widths and kinds, the
   * slots of the fields that make up the pipeline key, and the actions the table allows.
   */
  static final class TableCodec {
    final P4InfoIndex.TableInfo info;
    final TableKind kind;
    final String alias;
    final int[] fieldIds;
    final int[] widths;
    final MatchField.MatchType[] matchTypes;
    final String[] what;
    /** Field slots in the order of the pipeline key: FlowKey's or AclMatch's. */
    final int[] keySlots;
    final ActionCodec[] actions;
    final ActionRef.Scope[] scopes;
    final boolean idleTimeout;
    /** Positions in {@link #keySlots} in field id order (the canonical order). */
    final int[] keyById;

    TableCodec(P4InfoIndex.TableInfo info, Map<Integer, ActionCodec> actionsById) {
      this.info = info;
      this.kind = info.kind();
      P4InfoOuterClass.Table t = info.table();
      this.alias = t.getPreamble().getAlias();
      int n = t.getMatchFieldsCount();
      if (n > 63) {
        throw new IllegalArgumentException(alias + ": more than 63 match fields");
      }
      fieldIds = new int[n];
      widths = new int[n];
      matchTypes = new MatchField.MatchType[n];
      what = new String[n];
      for (int i = 0; i < n; i++) {
        MatchField f = t.getMatchFields(i);
        fieldIds[i] = f.getId();
        widths[i] = f.getBitwidth();
        matchTypes[i] = f.getMatchType();
        what[i] = alias + "." + f.getName();
        if (f.getBitwidth() > 128) {
          throw new IllegalArgumentException(what[i] + " is wider than 128 bits");
        }
      }
      List<String> key = switch (kind) {
        case FLOW_V4 -> List.of(FlowtableP4.FlowV4.INGRESS_PORT.id().id(), FlowtableP4.FlowV4.IP_PROTO.id().id(),
            FlowtableP4.FlowV4.IPV4_SRC.id().id(), FlowtableP4.FlowV4.IPV4_DST.id().id(),
            FlowtableP4.FlowV4.L4_SPORT.id().id(), FlowtableP4.FlowV4.L4_DPORT.id().id());
        case FLOW_V6 -> List.of(FlowtableP4.FlowV6.INGRESS_PORT.id().id(), FlowtableP4.FlowV6.IP_PROTO.id().id(),
            FlowtableP4.FlowV6.IPV6_SRC.id().id(), FlowtableP4.FlowV6.IPV6_DST.id().id(),
            FlowtableP4.FlowV6.L4_SPORT.id().id(), FlowtableP4.FlowV6.L4_DPORT.id().id());
        case ACL -> List.of(FlowtableP4.Acl.INGRESS_PORT.id().id(), FlowtableP4.Acl.ETH_TYPE.id().id(),
            FlowtableP4.Acl.VLAN_ID.id().id(), FlowtableP4.Acl.IP_PROTO.id().id(), FlowtableP4.Acl.IPV4_SRC.id().id(),
            FlowtableP4.Acl.IPV4_DST.id().id(), FlowtableP4.Acl.IPV6_SRC.id().id(),
            FlowtableP4.Acl.IPV6_DST.id().id(), FlowtableP4.Acl.L4_SPORT.id().id(),
            FlowtableP4.Acl.L4_DPORT.id().id());
      };
      keySlots = new int[key.size()];
      for (int k = 0; k < key.size(); k++) {
        keySlots[k] = -1;
        for (int i = 0; i < n; i++) {
          if (t.getMatchFields(i).getName().equals(key.get(k))) {
            keySlots[k] = i;
          }
        }
        if (keySlots[k] < 0) {
          throw new IllegalStateException(t.getPreamble().getName() + " has no field " + key.get(k));
        }
      }
      actions = new ActionCodec[t.getActionRefsCount()];
      scopes = new ActionRef.Scope[actions.length];
      for (int i = 0; i < actions.length; i++) {
        ActionRef ref = t.getActionRefs(i);
        actions[i] = actionsById.get(ref.getId());
        scopes[i] = ref.getScope();
        if (actions[i] == null) {
          throw new IllegalArgumentException(alias + " refers to unknown action id " + ref.getId());
        }
      }
      idleTimeout = t.getIdleTimeoutBehavior() == P4InfoOuterClass.Table.IdleTimeoutBehavior.NOTIFY_CONTROL;
      int[] keyIds = new int[keySlots.length];
      for (int k = 0; k < keyIds.length; k++) {
        keyIds[k] = fieldIds[keySlots[k]];
      }
      keyById = idOrder(keyIds);
    }

    /** The action of this table that compiles to {@code kind}, or null. */
    ActionCodec action(ActionKind kind) {
      for (ActionCodec a : actions) {
        if (a.kind == kind) {
          return a;
        }
      }
      return null;
    }

    int slotOf(int fieldId) {
      if (fieldId > 0 && fieldId <= fieldIds.length && fieldIds[fieldId - 1] == fieldId) {
        return fieldId - 1; // ids are usually 1..n in P4Info order
      }
      for (int i = 0; i < fieldIds.length; i++) {
        if (fieldIds[i] == fieldId) {
          return i;
        }
      }
      return -1;
    }

    int actionSlot(int actionId) {
      for (int i = 0; i < actions.length; i++) {
        if (actions[i].id == actionId) {
          return i;
        }
      }
      return -1;
    }
  }

  /** The indexes of {@code ids} sorted by id. */
  private static int[] idOrder(int[] ids) {
    return java.util.stream.IntStream.range(0, ids.length).boxed()
        .sorted(Comparator.comparingInt(i -> ids[i])).mapToInt(Integer::intValue).toArray();
  }

  private final P4InfoIndex index;
  private final TableCodec[] tables;

  public EntryCodec(P4InfoIndex index) {
    this.index = index;
    Map<Integer, ActionCodec> actions = new HashMap<>();
    for (P4InfoOuterClass.Action a : index.p4Info().getActionsList()) {
      actions.put(a.getPreamble().getId(), new ActionCodec(a, index.noActionId()));
    }
    List<P4InfoIndex.TableInfo> infos = index.tables();
    tables = new TableCodec[infos.size()];
    for (int i = 0; i < tables.length; i++) {
      tables[i] = new TableCodec(infos.get(i), actions);
    }
  }

  public P4InfoIndex index() {
    return index;
  }

  /** The table of an entry, NOT_FOUND if the id is unknown. */
  public P4InfoIndex.TableInfo table(int tableId) throws P4RuntimeException {
    return tableCodec(tableId).info;
  }

  /** The decoding view of a table, NOT_FOUND if the id is unknown. */
  TableCodec tableCodec(int tableId) throws P4RuntimeException {
    for (TableCodec t : tables) {
      if (t.info.table().getPreamble().getId() == tableId) {
        return t;
      }
    }
    throw new P4RuntimeException(Status.Code.NOT_FOUND, "unknown table id " + tableId);
  }

  private TableCodec tableCodec(TableKind kind) {
    for (TableCodec t : tables) {
      if (t.kind == kind) {
        return t;
      }
    }
    throw new IllegalStateException("no table " + kind);
  }

  /** A decoder for one thread (it keeps scratch space between entries). */
  Decoder decoder() {
    return new Decoder();
  }

  /**
   * True if the canonical form of a flow entry written as {@code e} (decoded by {@code d}, its action {@code a})
   * can be rebuilt by {@link #describe} from the compiled entry and its cookie alone: canonical already, nothing but
   * match, action, controller_metadata and idle timeout set, no unknown fields. Then the switch keeps no copy.
   */
  static boolean describable(P4RuntimeOuterClass.TableEntry e, Decoder d, Action a) {
    if (!d.canonical() || !(a instanceof Action.Forward) || e.hasCounterData() || e.hasMeterConfig()
        || e.hasTimeSinceLastHit() || !e.getMetadata().isEmpty() || e.getPriority() != 0 || e.getIsDefaultAction()
        || !known(e) || !known(e.getAction()) || !known(e.getAction().getAction())) {
      return false;
    }
    for (int i = 0; i < e.getMatchCount(); i++) {
      FieldMatch m = e.getMatch(i);
      if (!known(m) || !known(m.getExact())) {
        return false;
      }
    }
    P4RuntimeOuterClass.Action action = e.getAction().getAction();
    for (int i = 0; i < action.getParamsCount(); i++) {
      if (!known(action.getParams(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean known(com.google.protobuf.Message m) {
    return m.getUnknownFields().getSerializedSize() == 0;
  }

  /**
   * The canonical P4Runtime form of a flow entry stored without a copy (see {@link #describable}): match from
   * its key, action from its compiled action, controller_metadata from its cookie, and its idle timeout.
   */
  P4RuntimeOuterClass.TableEntry describe(TableEntry e) {
    TableCodec t = tableCodec(e.table());
    FlowKey k = (FlowKey) e.key();
    boolean v4 = e.table() == TableKind.FLOW_V4;
    P4RuntimeOuterClass.TableEntry.Builder b = P4RuntimeOuterClass.TableEntry.newBuilder()
        .setTableId(t.info.table().getPreamble().getId());
    for (int p : t.keyById) {
      ByteString value = switch (p) {
        case 0 -> Bytestrings.canonical(k.ingressPort());
        case 1 -> Bytestrings.canonical(k.ipProto());
        case 2 -> v4 ? Bytestrings.canonical(k.srcLo()) : canonical128(k.srcHi(), k.srcLo());
        case 3 -> v4 ? Bytestrings.canonical(k.dstLo()) : canonical128(k.dstHi(), k.dstLo());
        case 4 -> Bytestrings.canonical(k.sport());
        default -> Bytestrings.canonical(k.dport());
      };
      b.addMatch(FieldMatch.newBuilder().setFieldId(t.fieldIds[t.keySlots[p]])
          .setExact(FieldMatch.Exact.newBuilder().setValue(value)));
    }
    Action.Forward f = (Action.Forward) e.action();
    ActionKind kind = f.nat() != null ? (v4 ? ActionKind.NAT_V4 : ActionKind.NAT_V6)
        : switch (f.vlanMode()) {
          case KEEP -> ActionKind.FORWARD;
          case POP -> ActionKind.FORWARD_UNTAG;
          case SET -> ActionKind.FORWARD_VLAN;
        };
    ActionCodec ac = t.action(kind);
    P4RuntimeOuterClass.Action.Builder a = P4RuntimeOuterClass.Action.newBuilder().setActionId(ac.id);
    for (int s : ac.byId) {
      ByteString value;
      if (s == ac.port) {
        value = Bytestrings.canonical(f.port());
      } else if (s == ac.smac) {
        value = Bytestrings.canonical(f.smac());
      } else if (s == ac.dmac) {
        value = Bytestrings.canonical(f.dmac());
      } else if (s == ac.vlan) {
        value = Bytestrings.canonical(f.vlanId());
      } else if (s == ac.natSrc) {
        value = Bytestrings.canonical(ByteString.copyFrom(f.nat().src()));
      } else if (s == ac.natDst) {
        value = Bytestrings.canonical(ByteString.copyFrom(f.nat().dst()));
      } else if (s == ac.natSport) {
        value = Bytestrings.canonical(f.nat().sport());
      } else if (s == ac.natDport) {
        value = Bytestrings.canonical(f.nat().dport());
      } else {
        throw new IllegalStateException(ac.what[s] + " is not part of the compiled action");
      }
      a.addParams(P4RuntimeOuterClass.Action.Param.newBuilder().setParamId(ac.paramIds[s]).setValue(value));
    }
    b.setAction(P4RuntimeOuterClass.TableAction.newBuilder().setAction(a));
    if (e.cookie() != 0) {
      b.setControllerMetadata(e.cookie());
    }
    if (e.idleTimeoutNs() != 0) {
      b.setIdleTimeoutNs(e.idleTimeoutNs());
    }
    return b.build();
  }

  private static ByteString canonical128(long hi, long lo) {
    if (hi == 0) {
      return Bytestrings.canonical(lo);
    }
    ByteString high = Bytestrings.canonical(hi);
    byte[] low = new byte[8];
    for (int i = 0; i < 8; i++) {
      low[i] = (byte) (lo >>> (56 - 8 * i));
    }
    return high.concat(ByteString.copyFrom(low));
  }

  /** The key of an entry (for DELETE, MODIFY and specific reads). */
  public Key key(P4RuntimeOuterClass.TableEntry e) throws P4RuntimeException {
    TableCodec t = tableCodec(e.getTableId());
    return new Key(t.kind, decoder().key(t, e), e.getPriority());
  }

  /** The pipeline action of an entry's (or a default entry's) action. */
  public Action action(P4InfoIndex.TableInfo t, P4RuntimeOuterClass.TableAction ta, boolean defaultEntry)
      throws P4RuntimeException {
    return decoder().action(tableCodec(t.kind()), ta, defaultEntry);
  }

  /**
   * Decodes entries of a write, one after the other, on one thread. It also tracks whether everything it decoded
   * of the current entry was already canonical (fields and parameters in id order, shortest bytestrings), so the
   * caller can keep the entry's bytes as they are.
   */
  final class Decoder {
    // per field slot: value (hi, lo) and, for ternary/range, mask or high end (hi, lo)
    private final long[] valueHi = new long[64];
    private final long[] valueLo = new long[64];
    private final long[] maskHi = new long[64];
    private final long[] maskLo = new long[64];
    private long hi;
    private long lo;
    private boolean canonical;

    private Decoder() {}

    /** True if the match and action decoded since the last {@link #key} were in canonical form. */
    boolean canonical() {
      return canonical;
    }

    /** The pipeline key (a {@link FlowKey} or a {@link TableEntry.AclKey}) of {@code e}, checked. */
    Object key(TableCodec t, P4RuntimeOuterClass.TableEntry e) throws P4RuntimeException {
      canonical = true;
      long seen = 0;
      int previousId = Integer.MIN_VALUE;
      int count = e.getMatchCount();
      for (int i = 0; i < count; i++) {
        FieldMatch m = e.getMatch(i);
        int id = m.getFieldId();
        int s = t.slotOf(id);
        if (s < 0) {
          throw P4RuntimeException.invalid(t.alias + ": unknown match field id " + id);
        }
        if ((seen & (1L << s)) != 0) {
          throw P4RuntimeException.invalid(t.what[s] + " given twice");
        }
        seen |= 1L << s;
        canonical &= id > previousId;
        previousId = id;
        field(t, s, m);
      }
      if (t.kind == TableKind.ACL) {
        if (e.getPriority() <= 0) {
          throw P4RuntimeException.invalid(t.alias + ": ternary/range entries need a priority > 0");
        }
        return new TableEntry.AclKey(aclMatch(t, seen), e.getPriority());
      }
      if (e.getPriority() != 0) {
        throw P4RuntimeException.invalid(t.alias + ": exact-match entries take no priority, got " + e.getPriority());
      }
      int[] k = t.keySlots;
      for (int s : k) {
        if ((seen & (1L << s)) == 0) {
          throw P4RuntimeException.invalid(t.what[s] + ": exact field missing");
        }
      }
      return new FlowKey((int) valueLo[k[0]], (int) valueLo[k[1]], valueHi[k[2]], valueLo[k[2]], valueHi[k[3]],
          valueLo[k[3]], (int) valueLo[k[4]], (int) valueLo[k[5]]);
    }

    private void field(TableCodec t, int s, FieldMatch m) throws P4RuntimeException {
      MatchField.MatchType type = t.matchTypes[s];
      int width = t.widths[s];
      switch (type) {
        case EXACT -> {
          expect(t, s, m, FieldMatch.FieldMatchTypeCase.EXACT);
          decode(m.getExact().getValue(), width, t.what[s], "");
          valueHi[s] = hi;
          valueLo[s] = lo;
        }
        case TERNARY -> {
          expect(t, s, m, FieldMatch.FieldMatchTypeCase.TERNARY);
          FieldMatch.Ternary tm = m.getTernary();
          if (tm.getMask().isEmpty() || Bytestrings.isZero(tm.getMask())) {
            throw P4RuntimeException.invalid(t.what[s] + ": a don't-care ternary field (mask 0) must be omitted");
          }
          decode(tm.getValue(), width, t.what[s], " value");
          valueHi[s] = hi;
          valueLo[s] = lo;
          decode(tm.getMask(), width, t.what[s], " mask");
          maskHi[s] = hi;
          maskLo[s] = lo;
          if ((valueHi[s] & ~hi) != 0 || (valueLo[s] & ~lo) != 0) {
            throw P4RuntimeException.invalid(t.what[s] + ": value has bits set outside the mask");
          }
        }
        case RANGE -> {
          expect(t, s, m, FieldMatch.FieldMatchTypeCase.RANGE);
          if (width > 63) {
            throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, t.what[s] + ": ranges wider than 63 bits");
          }
          decode(m.getRange().getLow(), width, t.what[s], " low");
          long low = lo;
          decode(m.getRange().getHigh(), width, t.what[s], " high");
          long high = lo;
          if (low > high) {
            throw P4RuntimeException.invalid(t.what[s] + ": range low " + low + " > high " + high);
          }
          if (low == 0 && high == (1L << width) - 1) {
            throw P4RuntimeException.invalid(t.what[s] + ": a don't-care range (the whole field) must be omitted");
          }
          valueLo[s] = low;
          maskLo[s] = high;
        }
        default -> throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, t.what[s] + ": " + type
            + " matches are not supported");
      }
    }

    private static void expect(TableCodec t, int s, FieldMatch m, FieldMatch.FieldMatchTypeCase kind)
        throws P4RuntimeException {
      if (m.getFieldMatchTypeCase() != kind) {
        throw P4RuntimeException.invalid(t.what[s] + " is " + t.matchTypes[s] + ", got a "
            + m.getFieldMatchTypeCase() + " match");
      }
    }

    private AclMatch aclMatch(TableCodec t, long seen) {
      int[] k = t.keySlots;
      return new AclMatch(ternary(seen, k[0]), ternary(seen, k[1]), ternary(seen, k[2]), ternary(seen, k[3]),
          ternary(seen, k[4]), ternary(seen, k[5]), ternaryHi(seen, k[6]), ternary(seen, k[6]),
          ternaryHi(seen, k[7]), ternary(seen, k[7]), range(seen, k[8]), range(seen, k[9]));
    }

    private Ternary ternary(long seen, int s) {
      return (seen & (1L << s)) == 0 ? Ternary.ANY : new Ternary(valueLo[s], maskLo[s]);
    }

    private Ternary ternaryHi(long seen, int s) {
      return (seen & (1L << s)) == 0 ? Ternary.ANY : new Ternary(valueHi[s], maskHi[s]);
    }

    private Range range(long seen, int s) {
      return (seen & (1L << s)) == 0 ? Range.ANY : new Range((int) valueLo[s], (int) maskLo[s]);
    }

    /**
     * Reads a bytestring of a {@code width}-bit field into {@link #hi}/{@link #lo} in place; refuses it when
     * empty or wider than the field. The message names {@code what + part}, built only on failure.
     */
    private void decode(ByteString b, int width, String what, String part) throws P4RuntimeException {
      int n = b.size();
      if (n == 0) {
        throw P4RuntimeException.invalid(what + part + ": empty bytestring");
      }
      int i = 0;
      while (i < n - 1 && b.byteAt(i) == 0) {
        i++;
      }
      canonical &= i == 0;
      int first = b.byteAt(i) & 0xff;
      int bits = (n - i - 1) * 8 + 32 - Integer.numberOfLeadingZeros(first);
      if (bits > width) {
        throw P4RuntimeException.invalid(what + part + ": value 0x" + Bytestrings.hex(Bytestrings.canonical(b))
            + " does not fit in " + width + " bits");
      }
      long h = 0;
      long l = 0;
      for (; i < n; i++) {
        h = (h << 8) | (l >>> 56);
        l = (l << 8) | (b.byteAt(i) & 0xff);
      }
      hi = h;
      lo = l;
    }

    /** The pipeline action of an entry's (or a default entry's) action, checked. */
    Action action(TableCodec t, P4RuntimeOuterClass.TableAction ta, boolean defaultEntry)
        throws P4RuntimeException {
      if (ta.getTypeCase() != P4RuntimeOuterClass.TableAction.TypeCase.ACTION) {
        if (ta.getTypeCase() == P4RuntimeOuterClass.TableAction.TypeCase.TYPE_NOT_SET) {
          throw P4RuntimeException.invalid(t.alias + ": entry has no action");
        }
        throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, t.alias + ": only direct actions are supported");
      }
      P4RuntimeOuterClass.Action a = ta.getAction();
      int slot = t.actionSlot(a.getActionId());
      if (slot < 0) {
        throw P4RuntimeException.invalid(t.alias + ": action id " + a.getActionId() + " is not an action of the table");
      }
      ActionCodec ac = t.actions[slot];
      // the spec answers a valid action used outside its scope with PERMISSION_DENIED
      if (!defaultEntry && t.scopes[slot] == ActionRef.Scope.DEFAULT_ONLY) {
        throw new P4RuntimeException(Status.Code.PERMISSION_DENIED, t.alias + ": " + ac.name
            + " is a default-only action");
      }
      if (defaultEntry && t.scopes[slot] == ActionRef.Scope.TABLE_ONLY) {
        throw new P4RuntimeException(Status.Code.PERMISSION_DENIED, t.alias + ": " + ac.name
            + " cannot be the default action");
      }
      long seen = 0;
      int previousId = Integer.MIN_VALUE;
      int count = a.getParamsCount();
      for (int i = 0; i < count; i++) {
        P4RuntimeOuterClass.Action.Param p = a.getParams(i);
        int id = p.getParamId();
        int s = ac.slotOf(id);
        if (s < 0) {
          throw P4RuntimeException.invalid(ac.name + ": unknown parameter id " + id);
        }
        if ((seen & (1L << s)) != 0) {
          throw P4RuntimeException.invalid(ac.name + ": parameter id " + id + " given twice");
        }
        seen |= 1L << s;
        canonical &= id > previousId;
        previousId = id;
        decode(p.getValue(), ac.widths[s], ac.what[s], "");
        valueHi[s] = hi;
        valueLo[s] = lo;
      }
      if (Long.bitCount(seen) != ac.paramIds.length) {
        for (int s = 0; s < ac.paramIds.length; s++) {
          if ((seen & (1L << s)) == 0) {
            throw P4RuntimeException.invalid(ac.name + ": parameter " + ac.names[s] + " missing");
          }
        }
      }
      return switch (ac.kind) {
        case NO_ACTION -> NO_ACTION;
        case PERMIT -> PERMIT;
        case DROP -> DROP;
        case PUNT -> PUNT;
        case COPY_TO_CPU -> COPY_TO_CPU;
        case METER -> METER;
        case FORWARD -> forward(ac, VlanMode.KEEP, 0, null);
        case FORWARD_UNTAG -> forward(ac, VlanMode.POP, 0, null);
        case FORWARD_VLAN -> forward(ac, VlanMode.SET, (int) valueLo[ac.vlan], null);
        case NAT_V4, NAT_V6 -> {
          int vlan = (int) valueLo[ac.vlan];
          int bytes = ac.kind == ActionKind.NAT_V4 ? 4 : 16;
          yield forward(ac, vlan == 0 ? VlanMode.POP : VlanMode.SET, vlan, new Action.Nat(
              bytes(ac.natSrc, bytes), bytes(ac.natDst, bytes), (int) valueLo[ac.natSport],
              (int) valueLo[ac.natDport]));
        }
        case UNKNOWN -> throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, "action " + ac.name
            + " is unknown to the software switch");
      };
    }

    private Action forward(ActionCodec ac, VlanMode mode, int vlan, Action.Nat nat) {
      return new Action.Forward((int) valueLo[ac.port], valueLo[ac.smac], valueLo[ac.dmac], mode, vlan, nat);
    }

    /** Parameter {@code s} as {@code n} big-endian bytes (n is 4 or 16). */
    private byte[] bytes(int s, int n) {
      byte[] out = new byte[n];
      for (int i = 0; i < n; i++) {
        int shift = 8 * (n - 1 - i);
        out[i] = (byte) (shift >= 64 ? valueHi[s] >>> (shift - 64) : valueLo[s] >>> shift);
      }
      return out;
    }
  }

  /** The meter configuration of a P4Runtime MeterConfig. */
  public static TwoRateMeter.Config meterConfig(P4RuntimeOuterClass.MeterConfig c) throws P4RuntimeException {
    try {
      return new TwoRateMeter.Config(c.getCir(), c.getCburst(), c.getPir(), c.getPburst());
    } catch (IllegalArgumentException e) {
      throw P4RuntimeException.invalid("meter config: " + e.getMessage());
    }
  }

  /** The P4Runtime form of a meter configuration. */
  public static P4RuntimeOuterClass.MeterConfig meterConfig(TwoRateMeter.Config c) {
    return P4RuntimeOuterClass.MeterConfig.newBuilder().setCir(c.cir()).setCburst(c.cburst()).setPir(c.pir())
        .setPburst(c.pburst()).build();
  }

  /**
   * The canonical form of a (valid) entry as reads return it: bytestrings shortest, match fields and params in
   * id order, no counter, meter or last-hit data.
   */
  public static P4RuntimeOuterClass.TableEntry canonical(P4RuntimeOuterClass.TableEntry e) {
    P4RuntimeOuterClass.TableEntry.Builder b = e.toBuilder().clearCounterData().clearMeterConfig()
        .clearTimeSinceLastHit().clearMatch();
    e.getMatchList().stream().sorted(Comparator.comparingInt(FieldMatch::getFieldId)).forEach(m -> {
      FieldMatch.Builder mb = m.toBuilder();
      switch (m.getFieldMatchTypeCase()) {
        case EXACT -> mb.getExactBuilder().setValue(Bytestrings.canonical(m.getExact().getValue()));
        case TERNARY -> mb.getTernaryBuilder().setValue(Bytestrings.canonical(m.getTernary().getValue()))
            .setMask(Bytestrings.canonical(m.getTernary().getMask()));
        case RANGE -> mb.getRangeBuilder().setLow(Bytestrings.canonical(m.getRange().getLow()))
            .setHigh(Bytestrings.canonical(m.getRange().getHigh()));
        case LPM -> mb.getLpmBuilder().setValue(Bytestrings.canonical(m.getLpm().getValue()));
        case OPTIONAL -> mb.getOptionalBuilder().setValue(Bytestrings.canonical(m.getOptional().getValue()));
        default -> { }
      }
      b.addMatch(mb);
    });
    if (e.getAction().hasAction()) {
      P4RuntimeOuterClass.Action.Builder ab = e.getAction().getAction().toBuilder().clearParams();
      e.getAction().getAction().getParamsList().stream()
          .sorted(Comparator.comparingInt(P4RuntimeOuterClass.Action.Param::getParamId))
          .forEach(p -> ab.addParams(p.toBuilder().setValue(Bytestrings.canonical(p.getValue()))));
      b.getActionBuilder().setAction(ab);
    }
    return b.build();
  }

  /** The key part of a stored entry: table, match, priority (what identifies it). */
  public static P4RuntimeOuterClass.TableEntry keyOnly(P4RuntimeOuterClass.TableEntry e) {
    return P4RuntimeOuterClass.TableEntry.newBuilder().setTableId(e.getTableId()).addAllMatch(e.getMatchList())
        .setPriority(e.getPriority()).setIsDefaultAction(e.getIsDefaultAction()).build();
  }
}
