package org.nftoffload.softswitch.p4runtime;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.Comparator;
import java.util.HashMap;
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
 */
public final class EntryCodec {

  /** A table entry key: the table, its pipeline key (FlowKey or AclKey) and the priority. */
  public record Key(TableKind table, Object key, int priority) {}

  private final P4InfoIndex index;
  private final Map<Integer, Map<String, MatchField>> fieldsByName = new HashMap<>();

  public EntryCodec(P4InfoIndex index) {
    this.index = index;
    for (P4InfoIndex.TableInfo t : index.tables()) {
      Map<String, MatchField> byName = new HashMap<>();
      t.fields().values().forEach(f -> byName.put(f.getName(), f));
      fieldsByName.put(t.table().getPreamble().getId(), byName);
    }
  }

  public P4InfoIndex index() {
    return index;
  }

  /** The table of an entry, NOT_FOUND if the id is unknown. */
  public P4InfoIndex.TableInfo table(int tableId) throws P4RuntimeException {
    return index.table(tableId).orElseThrow(
        () -> new P4RuntimeException(Status.Code.NOT_FOUND, "unknown table id " + tableId));
  }

  /** The key of an entry (for DELETE, MODIFY and specific reads). */
  public Key key(P4RuntimeOuterClass.TableEntry e) throws P4RuntimeException {
    P4InfoIndex.TableInfo t = table(e.getTableId());
    String tableName = t.table().getPreamble().getAlias();
    Map<Integer, FieldMatch> matches = new HashMap<>();
    for (FieldMatch m : e.getMatchList()) {
      MatchField f = t.fields().get(m.getFieldId());
      if (f == null) {
        throw P4RuntimeException.invalid(tableName + ": unknown match field id " + m.getFieldId());
      }
      if (matches.put(m.getFieldId(), m) != null) {
        throw P4RuntimeException.invalid(tableName + ": match field " + f.getName() + " given twice");
      }
    }
    if (t.kind() == TableKind.ACL) {
      if (e.getPriority() <= 0) {
        throw P4RuntimeException.invalid(tableName + ": ternary/range entries need a priority > 0");
      }
      return new Key(t.kind(), new TableEntry.AclKey(aclMatch(t, matches), e.getPriority()), e.getPriority());
    }
    if (e.getPriority() != 0) {
      throw P4RuntimeException.invalid(tableName + ": exact-match entries take no priority, got " + e.getPriority());
    }
    return new Key(t.kind(), flowKey(t, matches), 0);
  }

  private FlowKey flowKey(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches) throws P4RuntimeException {
    boolean v4 = t.kind() == TableKind.FLOW_V4;
    int port = (int) exact(t, matches, FlowtableP4.FlowV4.INGRESS_PORT.id().id());
    int proto = (int) exact(t, matches, FlowtableP4.FlowV4.IP_PROTO.id().id());
    int sport = (int) exact(t, matches, FlowtableP4.FlowV4.L4_SPORT.id().id());
    int dport = (int) exact(t, matches, FlowtableP4.FlowV4.L4_DPORT.id().id());
    if (v4) {
      int src = (int) exact(t, matches, FlowtableP4.FlowV4.IPV4_SRC.id().id());
      int dst = (int) exact(t, matches, FlowtableP4.FlowV4.IPV4_DST.id().id());
      return FlowKey.v4(port, proto, src, dst, sport, dport);
    }
    byte[] src = exactBytes(t, matches, FlowtableP4.FlowV6.IPV6_SRC.id().id());
    byte[] dst = exactBytes(t, matches, FlowtableP4.FlowV6.IPV6_DST.id().id());
    return FlowKey.v6(port, proto, src, dst, sport, dport);
  }

  private FieldMatch present(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, MatchField f,
      FieldMatch.FieldMatchTypeCase kind) throws P4RuntimeException {
    FieldMatch m = matches.get(f.getId());
    if (m != null && m.getFieldMatchTypeCase() != kind) {
      throw P4RuntimeException.invalid(t.table().getPreamble().getAlias() + "." + f.getName() + " is "
          + f.getMatchType() + ", got a " + m.getFieldMatchTypeCase() + " match");
    }
    return m;
  }

  private MatchField field(P4InfoIndex.TableInfo t, String name) {
    MatchField f = fieldsByName.get(t.table().getPreamble().getId()).get(name);
    if (f == null) {
      throw new IllegalStateException(t.table().getPreamble().getName() + " has no field " + name);
    }
    return f;
  }

  private long exact(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, String name)
      throws P4RuntimeException {
    MatchField f = field(t, name);
    FieldMatch m = present(t, matches, f, FieldMatch.FieldMatchTypeCase.EXACT);
    if (m == null) {
      throw P4RuntimeException.invalid(t.table().getPreamble().getAlias() + "." + name + ": exact field missing");
    }
    return Bytestrings.toLong(m.getExact().getValue(), f.getBitwidth(), what(t, f));
  }

  private byte[] exactBytes(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, String name)
      throws P4RuntimeException {
    MatchField f = field(t, name);
    FieldMatch m = present(t, matches, f, FieldMatch.FieldMatchTypeCase.EXACT);
    if (m == null) {
      throw P4RuntimeException.invalid(t.table().getPreamble().getAlias() + "." + name + ": exact field missing");
    }
    return Bytestrings.toFixed(m.getExact().getValue(), f.getBitwidth(), what(t, f));
  }

  private static String what(P4InfoIndex.TableInfo t, MatchField f) {
    return t.table().getPreamble().getAlias() + "." + f.getName();
  }

  private AclMatch aclMatch(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> m) throws P4RuntimeException {
    Ternary[] v6src = ternary128(t, m, FlowtableP4.Acl.IPV6_SRC.id().id());
    Ternary[] v6dst = ternary128(t, m, FlowtableP4.Acl.IPV6_DST.id().id());
    return new AclMatch(ternary(t, m, FlowtableP4.Acl.INGRESS_PORT.id().id()),
        ternary(t, m, FlowtableP4.Acl.ETH_TYPE.id().id()), ternary(t, m, FlowtableP4.Acl.VLAN_ID.id().id()),
        ternary(t, m, FlowtableP4.Acl.IP_PROTO.id().id()), ternary(t, m, FlowtableP4.Acl.IPV4_SRC.id().id()),
        ternary(t, m, FlowtableP4.Acl.IPV4_DST.id().id()), v6src[0], v6src[1], v6dst[0], v6dst[1],
        range(t, m, FlowtableP4.Acl.L4_SPORT.id().id()), range(t, m, FlowtableP4.Acl.L4_DPORT.id().id()));
  }

  private FieldMatch.Ternary ternaryOf(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, MatchField f)
      throws P4RuntimeException {
    FieldMatch m = present(t, matches, f, FieldMatch.FieldMatchTypeCase.TERNARY);
    if (m == null) {
      return null;
    }
    FieldMatch.Ternary tm = m.getTernary();
    if (tm.getMask().isEmpty() || Bytestrings.isZero(tm.getMask())) {
      throw P4RuntimeException.invalid(what(t, f) + ": a don't-care ternary field (mask 0) must be omitted");
    }
    return tm;
  }

  private Ternary ternary(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, String name)
      throws P4RuntimeException {
    MatchField f = field(t, name);
    FieldMatch.Ternary tm = ternaryOf(t, matches, f);
    if (tm == null) {
      return Ternary.ANY;
    }
    long value = Bytestrings.toLong(tm.getValue(), f.getBitwidth(), what(t, f) + " value");
    long mask = Bytestrings.toLong(tm.getMask(), f.getBitwidth(), what(t, f) + " mask");
    if ((value & ~mask) != 0) {
      throw P4RuntimeException.invalid(what(t, f) + ": value has bits set outside the mask");
    }
    return new Ternary(value, mask);
  }

  private Ternary[] ternary128(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, String name)
      throws P4RuntimeException {
    MatchField f = field(t, name);
    FieldMatch.Ternary tm = ternaryOf(t, matches, f);
    if (tm == null) {
      return new Ternary[] {Ternary.ANY, Ternary.ANY};
    }
    byte[] value = Bytestrings.toFixed(tm.getValue(), f.getBitwidth(), what(t, f) + " value");
    byte[] mask = Bytestrings.toFixed(tm.getMask(), f.getBitwidth(), what(t, f) + " mask");
    long vh = org.nftoffload.softswitch.pipeline.Frames.get64(value, 0);
    long vl = org.nftoffload.softswitch.pipeline.Frames.get64(value, 8);
    long mh = org.nftoffload.softswitch.pipeline.Frames.get64(mask, 0);
    long ml = org.nftoffload.softswitch.pipeline.Frames.get64(mask, 8);
    if ((vh & ~mh) != 0 || (vl & ~ml) != 0) {
      throw P4RuntimeException.invalid(what(t, f) + ": value has bits set outside the mask");
    }
    return new Ternary[] {new Ternary(vh, mh), new Ternary(vl, ml)};
  }

  private Range range(P4InfoIndex.TableInfo t, Map<Integer, FieldMatch> matches, String name)
      throws P4RuntimeException {
    MatchField f = field(t, name);
    FieldMatch m = present(t, matches, f, FieldMatch.FieldMatchTypeCase.RANGE);
    if (m == null) {
      return Range.ANY;
    }
    long low = Bytestrings.toLong(m.getRange().getLow(), f.getBitwidth(), what(t, f) + " low");
    long high = Bytestrings.toLong(m.getRange().getHigh(), f.getBitwidth(), what(t, f) + " high");
    if (low > high) {
      throw P4RuntimeException.invalid(what(t, f) + ": range low " + low + " > high " + high);
    }
    if (low == 0 && high == (1L << f.getBitwidth()) - 1) {
      throw P4RuntimeException.invalid(what(t, f) + ": a don't-care range (the whole field) must be omitted");
    }
    return new Range((int) low, (int) high);
  }

  /** The pipeline action of an entry's (or a default entry's) action. */
  public Action action(P4InfoIndex.TableInfo t, P4RuntimeOuterClass.TableAction ta, boolean defaultEntry)
      throws P4RuntimeException {
    String tableName = t.table().getPreamble().getAlias();
    if (ta.getTypeCase() != P4RuntimeOuterClass.TableAction.TypeCase.ACTION) {
      if (ta.getTypeCase() == P4RuntimeOuterClass.TableAction.TypeCase.TYPE_NOT_SET) {
        throw P4RuntimeException.invalid(tableName + ": entry has no action");
      }
      throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, tableName + ": only direct actions are supported");
    }
    P4RuntimeOuterClass.Action a = ta.getAction();
    ActionRef ref = t.actions().get(a.getActionId());
    P4InfoOuterClass.Action info = index.action(a.getActionId()).orElse(null);
    if (ref == null || info == null) {
      throw P4RuntimeException.invalid(tableName + ": action id " + a.getActionId() + " is not an action of the table");
    }
    String name = info.getPreamble().getName();
    // the spec answers a valid action used outside its scope with PERMISSION_DENIED
    if (!defaultEntry && ref.getScope() == ActionRef.Scope.DEFAULT_ONLY) {
      throw new P4RuntimeException(Status.Code.PERMISSION_DENIED, tableName + ": " + name
          + " is a default-only action");
    }
    if (defaultEntry && ref.getScope() == ActionRef.Scope.TABLE_ONLY) {
      throw new P4RuntimeException(Status.Code.PERMISSION_DENIED, tableName + ": " + name
          + " cannot be the default action");
    }
    Map<Integer, ByteString> params = new HashMap<>();
    for (P4RuntimeOuterClass.Action.Param p : a.getParamsList()) {
      if (info.getParamsList().stream().noneMatch(pi -> pi.getId() == p.getParamId())) {
        throw P4RuntimeException.invalid(name + ": unknown parameter id " + p.getParamId());
      }
      if (params.put(p.getParamId(), p.getValue()) != null) {
        throw P4RuntimeException.invalid(name + ": parameter id " + p.getParamId() + " given twice");
      }
    }
    Map<String, ByteString> byName = new HashMap<>();
    Map<String, Integer> widths = new HashMap<>();
    for (P4InfoOuterClass.Action.Param pi : info.getParamsList()) {
      ByteString v = params.get(pi.getId());
      if (v == null) {
        throw P4RuntimeException.invalid(name + ": parameter " + pi.getName() + " missing");
      }
      byName.put(pi.getName(), v);
      widths.put(pi.getName(), pi.getBitwidth());
    }
    Params p = new Params(name, byName, widths);
    if (a.getActionId() == index.noActionId()) {
      return new Action.NoAction();
    }
    if (name.equals(FlowtableP4.Acl.PERMIT.id().id())) {
      return new Action.Permit();
    }
    if (name.equals(FlowtableP4.Acl.DROP.id().id())) {
      return new Action.Drop();
    }
    if (name.equals(FlowtableP4.Acl.PUNT.id().id())) {
      return new Action.Punt();
    }
    if (name.equals(FlowtableP4.Acl.COPY_TO_CPU.id().id())) {
      return new Action.CopyToCpu();
    }
    if (name.equals(FlowtableP4.Acl.METER.id().id())) {
      return new Action.Meter();
    }
    int port = (int) p.num(FlowtableP4.PORT.id().id());
    long smac = p.num(FlowtableP4.SMAC.id().id());
    long dmac = p.num(FlowtableP4.DMAC.id().id());
    if (name.equals(FlowtableP4.FlowV4.FORWARD.id().id()) || name.equals(FlowtableP4.FlowV6.FORWARD.id().id())) {
      return new Action.Forward(port, smac, dmac, VlanMode.KEEP, 0, null);
    }
    if (name.equals(FlowtableP4.FlowV4.FORWARD_UNTAG.id().id())
        || name.equals(FlowtableP4.FlowV6.FORWARD_UNTAG.id().id())) {
      return new Action.Forward(port, smac, dmac, VlanMode.POP, 0, null);
    }
    int vlan = (int) p.num(FlowtableP4.VLAN_ID.id().id());
    if (name.equals(FlowtableP4.FlowV4.FORWARD_VLAN.id().id())
        || name.equals(FlowtableP4.FlowV6.FORWARD_VLAN.id().id())) {
      return new Action.Forward(port, smac, dmac, VlanMode.SET, vlan, null);
    }
    VlanMode mode = vlan == 0 ? VlanMode.POP : VlanMode.SET;
    int sport = (int) p.num(FlowtableP4.FlowV4.NAT_L4_SPORT.id().id());
    int dport = (int) p.num(FlowtableP4.FlowV4.NAT_L4_DPORT.id().id());
    if (name.equals(FlowtableP4.FlowV4.NAT.id().id())) {
      return new Action.Forward(port, smac, dmac, mode, vlan, new Action.Nat(
          p.bytes(FlowtableP4.FlowV4.NAT_IPV4_SRC.id().id()), p.bytes(FlowtableP4.FlowV4.NAT_IPV4_DST.id().id()),
          sport, dport));
    }
    if (name.equals(FlowtableP4.FlowV6.NAT.id().id())) {
      return new Action.Forward(port, smac, dmac, mode, vlan, new Action.Nat(
          p.bytes(FlowtableP4.FlowV6.NAT_IPV6_SRC.id().id()), p.bytes(FlowtableP4.FlowV6.NAT_IPV6_DST.id().id()),
          sport, dport));
    }
    throw new P4RuntimeException(Status.Code.UNIMPLEMENTED, "action " + name + " is unknown to the software switch");
  }

  private record Params(String action, Map<String, ByteString> values, Map<String, Integer> widths) {
    long num(String name) throws P4RuntimeException {
      return Bytestrings.toLong(get(name), widths.get(name), action + "." + name);
    }

    byte[] bytes(String name) throws P4RuntimeException {
      return Bytestrings.toFixed(get(name), widths.get(name), action + "." + name);
    }

    private ByteString get(String name) throws P4RuntimeException {
      ByteString v = values.get(name);
      if (v == null) {
        throw P4RuntimeException.invalid(action + ": parameter " + name + " missing");
      }
      return v;
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
