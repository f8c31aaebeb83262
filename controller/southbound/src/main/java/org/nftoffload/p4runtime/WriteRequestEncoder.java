package org.nftoffload.p4runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;
import org.nftoffload.p4runtime.P4InfoIndex.ActionInfo;
import org.nftoffload.p4runtime.P4InfoIndex.Field;
import org.nftoffload.p4runtime.P4InfoIndex.Param;
import org.nftoffload.p4runtime.P4InfoIndex.TableInfo;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.v1.P4RuntimeOuterClass.Action;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.TableAction;
import p4.v1.P4RuntimeOuterClass.TableEntry;
import p4.v1.P4RuntimeOuterClass.Uint128;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/**
 * Writes a {@code p4.v1.WriteRequest} straight to protobuf wire bytes from PI entries, with no intermediate message
 * objects: the client's hot path for batched writes. Entries of exact-match tables with a direct action (the flow
 * tables, which carry the volume) are encoded field by field from the PI values; anything else goes through
 * {@link TableEntryCodec} and is embedded as bytes. The output is byte-identical to
 * {@link WriteRequestCodec#encode} serialised (a test checks this), and it refuses the same entries with the same
 * messages. Field numbers come from the generated classes, never written here.
 *
 * <p>One instance per P4Info; {@link #encode} is synchronised because it reuses scratch arrays.
 */
final class WriteRequestEncoder {

  private static final int WT_VARINT = 0;
  private static final int WT_LEN = 2;

  private final P4InfoIndex index;
  // Scratch for one entry, reused: the key values in P4Info order and their canonical starts; same for params.
  private byte[][] keyValues = new byte[16][];
  private int[] keyEnds = new int[16];
  private int[] keyStarts = new int[16];
  private int[] keySizes = new int[16];
  private byte[][] paramValues = new byte[16][];
  private int[] paramEnds = new int[16];
  private int[] paramStarts = new int[16];
  private int[] paramSizes = new int[16];
  private byte[] buf = new byte[1 << 16];
  private int pos;

  WriteRequestEncoder(P4InfoIndex index) {
    this.index = index;
  }

  /** The serialised request for {@code updates[from, to)}. */
  synchronized byte[] encode(List<TableUpdate> updates, int from, int to, long deviceId, ElectionId electionId,
      long roleId) throws CodecException {
    return encode(updates, null, from, to, deviceId, electionId, roleId);
  }

  /**
   * The same, with each entry's canonical bytes ({@link #encodeEntry}) already at hand in {@code canonical} (same
   * positions as {@code updates}; null: encode them here): those are copied, not encoded again.
   */
  synchronized byte[] encode(List<TableUpdate> updates, List<byte[]> canonical, int from, int to, long deviceId,
      ElectionId electionId, long roleId) throws CodecException {
    pos = 0;
    if (deviceId != 0) {
      tag(WriteRequest.DEVICE_ID_FIELD_NUMBER, WT_VARINT);
      varint(deviceId);
    }
    if (roleId != 0) {
      tag(WriteRequest.ROLE_ID_FIELD_NUMBER, WT_VARINT);
      varint(roleId);
    }
    int eidSize = uint128Size(electionId);
    tag(WriteRequest.ELECTION_ID_FIELD_NUMBER, WT_LEN);
    varint(eidSize);
    {
      if (electionId.high() != 0) {
        tag(Uint128.HIGH_FIELD_NUMBER, WT_VARINT);
        varint(electionId.high());
      }
      if (electionId.low() != 0) {
        tag(Uint128.LOW_FIELD_NUMBER, WT_VARINT);
        varint(electionId.low());
      }
    }
    for (int i = from; i < to; i++) {
      TableUpdate u = updates.get(i);
      try {
        update(u, canonical == null ? null : canonical.get(i));
      } catch (CodecException e) {
        throw new CodecException("update " + (i - from) + " (" + u.type() + "): " + e.getMessage());
      }
    }
    return java.util.Arrays.copyOf(buf, pos);
  }

  /**
   * The canonical {@code p4.v1.TableEntry} wire bytes of one entry: what {@link #encode} embeds for it (and what
   * {@link TableEntryCodec#encode} serialises to); throws the same errors.
   */
  synchronized byte[] encodeEntry(PiTableEntry e) throws CodecException {
    int size = fastSize(e);
    if (size < 0) {
      return TableEntryCodec.encode(e, index).toByteArray();
    }
    pos = 0;
    ensure(size);
    writeFast(size);
    return java.util.Arrays.copyOf(buf, pos);
  }

  private void update(TableUpdate u, byte[] encoded) throws CodecException {
    int type = WriteRequestCodec.type(u.type()).getNumber();
    byte[] slow = encoded != null ? encoded : u.canonical();
    int entrySize = slow != null ? slow.length : fastSize(u.entry());
    if (entrySize < 0) {
      slow = TableEntryCodec.encode(u.entry(), index).toByteArray();
      entrySize = slow.length;
    }
    int entitySize = fieldLen(Entity.TABLE_ENTRY_FIELD_NUMBER, entrySize);
    int updateSize = fieldVarint(Update.TYPE_FIELD_NUMBER, type) + fieldLen(Update.ENTITY_FIELD_NUMBER, entitySize);
    ensure(updateSize + 16);
    tag(WriteRequest.UPDATES_FIELD_NUMBER, WT_LEN);
    varint(updateSize);
    tag(Update.TYPE_FIELD_NUMBER, WT_VARINT);
    varint(type);
    tag(Update.ENTITY_FIELD_NUMBER, WT_LEN);
    varint(entitySize);
    tag(Entity.TABLE_ENTRY_FIELD_NUMBER, WT_LEN);
    varint(entrySize);
    if (slow != null) {
      System.arraycopy(slow, 0, buf, pos, slow.length);
      pos += slow.length;
    } else {
      writeFast(entrySize);
    }
  }

  // State of the entry measured by fastSize, consumed by writeFast.
  private TableInfo table;
  private ActionInfo actionInfo;
  private int actionSize;
  private long cookie;
  private long timeoutNs;

  /**
   * The bytes behind an {@link ImmutableByteSequence}, read in place: {@code asReadOnlyBuffer()} would allocate a
   * buffer per value, which at a million entries a second is most of the garbage. Falls back to that when the
   * field is not there (a different ONOS version).
   */
  private static final VarHandle SEQUENCE_BYTES = sequenceBytes();

  private static VarHandle sequenceBytes() {
    try {
      return MethodHandles.privateLookupIn(ImmutableByteSequence.class, MethodHandles.lookup())
          .findVarHandle(ImmutableByteSequence.class, "value", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  // The array, offset and end of the last value bytesOf() looked at (set together, read right after).
  private byte[] valueArray;
  private int valueStart;
  private int valueEnd;

  /** Points valueArray/valueStart/valueEnd at the bytes of {@code s}, without copying when they are on the heap. */
  private void bytesOf(ImmutableByteSequence s) {
    ByteBuffer b = SEQUENCE_BYTES != null ? (ByteBuffer) SEQUENCE_BYTES.get(s) : null;
    if (b != null && b.hasArray()) {
      valueArray = b.array();
      valueStart = b.arrayOffset();
      valueEnd = valueStart + b.capacity();
    } else {
      valueArray = s.asArray();
      valueStart = 0;
      valueEnd = valueArray.length;
    }
  }

  // Identity caches: entries built from shared id constants (FlowtableP4) resolve by reference, not by hashing and
  // comparing name strings, which was most of the encoder's time. Bounded: one slot per table, action, field, param.
  private Object lastTableId;
  private TableInfo lastTable;
  private final java.util.Map<Object, ActionInfo> actionsById = new java.util.IdentityHashMap<>();
  private final java.util.Map<TableInfo, Object[]> fieldIdsByTable = new java.util.IdentityHashMap<>();
  private final java.util.Map<ActionInfo, Object[]> paramIdsByAction = new java.util.IdentityHashMap<>();

  private TableInfo table(org.onosproject.net.pi.model.PiTableId id) {
    if (id != lastTableId) {
      lastTable = index.findTable(id.id()).orElse(null);
      lastTableId = id;
    }
    return lastTable;
  }

  // The last lookup of each cache, tried first: a stream of flow entries uses one or two actions.
  private Object lastActionId;
  private ActionInfo lastAction;
  private ActionInfo lastParamsOf;
  private Object[] lastParamIds;
  private TableInfo lastFieldsOf;
  private Object[] lastFieldIds;

  private ActionInfo action(org.onosproject.net.pi.model.PiActionId id) {
    if (id == lastActionId) {
      return lastAction;
    }
    ActionInfo a = actionsById.get(id);
    if (a == null) {
      a = index.findAction(id.id()).orElse(null);
      if (a != null && actionsById.size() < 256) {
        actionsById.put(id, a);
      }
    }
    if (a != null) {
      lastActionId = id;
      lastAction = a;
    }
    return a;
  }

  private Object[] fieldIdCache(TableInfo t) {
    if (t != lastFieldsOf) {
      lastFieldIds = fieldIdsByTable.computeIfAbsent(t, k -> new Object[k.key().size()]);
      lastFieldsOf = t;
    }
    return lastFieldIds;
  }

  private Object[] paramIdCache(ActionInfo a) {
    if (a != lastParamsOf) {
      lastParamIds = paramIdsByAction.computeIfAbsent(a, k -> new Object[k.ordered().size()]);
      lastParamsOf = a;
    }
    return lastParamIds;
  }

  private static Field field(TableInfo t, Object[] ids, org.onosproject.net.pi.model.PiMatchFieldId id, int hint) {
    // Entries usually list their fields in P4Info order: try the slot of the same rank first.
    if (hint < ids.length && ids[hint] == id) {
      return t.key().get(hint);
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == id) {
        return t.key().get(i);
      }
    }
    Field f = t.byName().get(id.id());
    if (f != null) {
      ids[f.position()] = id;
    }
    return f;
  }

  private static Param param(ActionInfo a, Object[] ids, org.onosproject.net.pi.model.PiActionParamId id, int hint) {
    if (hint < ids.length && ids[hint] == id) {
      return a.ordered().get(hint);
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == id) {
        return a.ordered().get(i);
      }
    }
    Param p = a.byName().get(id.id());
    if (p != null) {
      ids[p.position()] = id;
    }
    return p;
  }

  /** Start of the canonical form of {@code a[start, end)}, or -1 when it is empty or does not fit. */
  private static int canonicalStart(byte[] a, int start, int end, int bitWidth) {
    if (start >= end) {
      return -1;
    }
    while (start < end - 1 && a[start] == 0) {
      start++;
    }
    int len = end - start;
    int maxLen = (bitWidth + 7) >>> 3;
    int topBits = bitWidth & 7;
    if (len > maxLen || (len == maxLen && topBits != 0 && (a[start] & 0xff) >>> topBits != 0)) {
      return -1;
    }
    return start;
  }

  /**
   * Measures an entry the fast path can encode and fills the scratch arrays; -1 when it must take the slow path
   * (other match kinds, priorities, default actions) or is invalid (the slow path then throws the precise error).
   * Allocates nothing but the two collection views ONOS hands out.
   */
  private int fastSize(PiTableEntry e) {
    if (e.isDefaultAction() || e.priority().isPresent() || !(e.action() instanceof PiAction action)) {
      return -1;
    }
    TableInfo t = table(e.table());
    if (t == null || !t.allExact() || t.key().size() > keyValues.length) {
      return -1;
    }
    ActionInfo a = action(action.id());
    if (a == null || !t.actionIds().contains(a.id()) || a.ordered().size() > paramValues.length) {
      return -1;
    }
    java.util.Arrays.fill(keyValues, 0, t.key().size(), null);
    java.util.Arrays.fill(paramValues, 0, a.ordered().size(), null);
    Object[] fieldIds = fieldIdCache(t);
    int seenFields = 0;
    for (PiFieldMatch m : e.matchKey().fieldMatches()) {
      Field f = field(t, fieldIds, m.fieldId(), seenFields++);
      if (f == null || !(m instanceof PiExactFieldMatch exact)) {
        return -1;
      }
      bytesOf(exact.value());
      int start = canonicalStart(valueArray, valueStart, valueEnd, f.bitWidth());
      if (start < 0) {
        return -1;
      }
      keyValues[f.position()] = valueArray;
      keyStarts[f.position()] = start;
      keyEnds[f.position()] = valueEnd;
    }
    long ns = 0;
    var timeout = e.timeout();
    if (timeout.isPresent()) {
      double seconds = timeout.get();
      if (!t.supportsIdleTimeout() || !(seconds > 0) || seconds * TableEntryCodec.NANOS > Long.MAX_VALUE) {
        return -1;
      }
      ns = Math.round(seconds * TableEntryCodec.NANOS);
    }
    int given = 0;
    Object[] paramIds = paramIdCache(a);
    for (PiActionParam p : action.parameters()) {
      Param param = param(a, paramIds, p.id(), given);
      if (param == null) {
        return -1;
      }
      bytesOf(p.value());
      int start = canonicalStart(valueArray, valueStart, valueEnd, param.bitWidth());
      if (start < 0) {
        return -1;
      }
      paramValues[param.position()] = valueArray;
      paramStarts[param.position()] = start;
      paramEnds[param.position()] = valueEnd;
      given++;
    }
    if (given != a.ordered().size()) {
      return -1;
    }
    return measure(t, a, e.cookie(), ns);
  }

  /**
   * Size of the entry whose key and parameter values are in the scratch arrays (all present, canonical), and the
   * state {@link #writeFast} needs; -1 when a key field is missing.
   */
  private int measure(TableInfo t, ActionInfo a, long entryCookie, long ns) {
    int size = fieldVarint(TableEntry.TABLE_ID_FIELD_NUMBER, t.id());
    for (int i = 0; i < t.key().size(); i++) {
      if (keyValues[i] == null) {
        return -1;
      }
      Field f = t.key().get(i);
      int exactSize = fieldBytes(FieldMatch.Exact.VALUE_FIELD_NUMBER, keyEnds[i] - keyStarts[i]);
      int fmSize = fieldVarint(FieldMatch.FIELD_ID_FIELD_NUMBER, f.id()) + fieldLen(FieldMatch.EXACT_FIELD_NUMBER,
          exactSize);
      keySizes[i] = fmSize;
      size += fieldLen(TableEntry.MATCH_FIELD_NUMBER, fmSize);
    }
    int aSize = fieldVarint(Action.ACTION_ID_FIELD_NUMBER, a.id());
    for (int i = 0; i < a.ordered().size(); i++) {
      Param param = a.ordered().get(i);
      int pSize = fieldVarint(Action.Param.PARAM_ID_FIELD_NUMBER, param.id())
          + fieldBytes(Action.Param.VALUE_FIELD_NUMBER, paramEnds[i] - paramStarts[i]);
      paramSizes[i] = pSize;
      aSize += fieldLen(Action.PARAMS_FIELD_NUMBER, pSize);
    }
    size += fieldLen(TableEntry.ACTION_FIELD_NUMBER, fieldLen(TableAction.ACTION_FIELD_NUMBER, aSize));
    size += fieldVarint(TableEntry.CONTROLLER_METADATA_FIELD_NUMBER, entryCookie);
    size += fieldVarint(TableEntry.IDLE_TIMEOUT_NS_FIELD_NUMBER, ns);
    table = t;
    actionInfo = a;
    actionSize = aSize;
    cookie = entryCookie;
    timeoutNs = ns;
    return size;
  }

  /**
   * The canonical bytes of an entry of the all-exact table {@code t} with the direct action {@code a}, from values
   * in P4Info order: key field {@code i} is {@code keyBytes[i]} (big-endian) or, when that is null, the number
   * {@code keyLongs[i]}; parameters likewise. Byte-identical to {@link #encodeEntry} of the equivalent PI entry.
   * Throws IllegalArgumentException for a value wider than its field.
   */
  synchronized byte[] encodeExact(TableInfo t, ActionInfo a, long[] keyLongs, byte[][] keyBytes, long[] paramLongs,
      byte[][] paramBytes, long idleTimeoutNs) {
    int keys = t.key().size();
    int params = a.ordered().size();
    if (!t.allExact() || keys > keyValues.length || params > paramValues.length) {
      throw new IllegalArgumentException(t.name() + " is not an all-exact table this encoder takes");
    }
    if (idleTimeoutNs < 0 || (idleTimeoutNs != 0 && !t.supportsIdleTimeout())) {
      throw new IllegalArgumentException(t.name() + ": idle timeout " + idleTimeoutNs + " ns not allowed");
    }
    if (longScratch.length < 8 * (keys + params)) {
      longScratch = new byte[8 * (keys + params)];
    }
    for (int i = 0; i < keys; i++) {
      int bits = t.key().get(i).bitWidth();
      int from = place(keyBytes[i], keyLongs[i], i, bits);
      keyValues[i] = keyBytes[i] != null ? keyBytes[i] : longScratch;
      keyEnds[i] = keyBytes[i] != null ? keyBytes[i].length : from + 8;
      keyStarts[i] = from < 0 ? -1 : canonicalStart(keyValues[i], from, keyEnds[i], bits);
      if (keyStarts[i] < 0) {
        throw new IllegalArgumentException(t.name() + " " + t.key().get(i).name() + ": value empty or wider than "
            + bits + " bits");
      }
    }
    for (int i = 0; i < params; i++) {
      int bits = a.ordered().get(i).bitWidth();
      int from = place(paramBytes[i], paramLongs[i], keys + i, bits);
      paramValues[i] = paramBytes[i] != null ? paramBytes[i] : longScratch;
      paramEnds[i] = paramBytes[i] != null ? paramBytes[i].length : from + 8;
      paramStarts[i] = from < 0 ? -1 : canonicalStart(paramValues[i], from, paramEnds[i], bits);
      if (paramStarts[i] < 0) {
        throw new IllegalArgumentException(a.name() + " " + a.ordered().get(i).name()
            + ": value empty or wider than " + bits + " bits");
      }
    }
    int size = measure(t, a, 0, idleTimeoutNs);
    pos = 0;
    ensure(size);
    writeFast(size);
    return java.util.Arrays.copyOf(buf, pos);
  }

  // Numbers given to encodeExact, big-endian, 8 bytes per key field and parameter in turn.
  private byte[] longScratch = new byte[8 * 32];

  /**
   * Where a value starts: 0 in the given array, or its 8-byte slot in longScratch where the number is written; -1
   * when the number is wider than {@code bits}.
   */
  private int place(byte[] given, long number, int slot, int bits) {
    if (given != null) {
      return 0;
    }
    if (bits < 64 && number >>> bits != 0) {
      return -1;
    }
    for (int b = 0; b < 8; b++) {
      longScratch[8 * slot + b] = (byte) (number >>> (56 - 8 * b));
    }
    return 8 * slot;
  }

  private void writeFast(int entrySize) {
    int end = pos + entrySize;
    tag(TableEntry.TABLE_ID_FIELD_NUMBER, WT_VARINT);
    varint(table.id());
    for (int i = 0; i < table.key().size(); i++) {
      tag(TableEntry.MATCH_FIELD_NUMBER, WT_LEN);
      varint(keySizes[i]);
      tag(FieldMatch.FIELD_ID_FIELD_NUMBER, WT_VARINT);
      varint(table.key().get(i).id());
      int len = keyEnds[i] - keyStarts[i];
      tag(FieldMatch.EXACT_FIELD_NUMBER, WT_LEN);
      varint(fieldBytes(FieldMatch.Exact.VALUE_FIELD_NUMBER, len));
      tag(FieldMatch.Exact.VALUE_FIELD_NUMBER, WT_LEN);
      bytes(keyValues[i], keyStarts[i], len);
    }
    tag(TableEntry.ACTION_FIELD_NUMBER, WT_LEN);
    varint(fieldLen(TableAction.ACTION_FIELD_NUMBER, actionSize));
    tag(TableAction.ACTION_FIELD_NUMBER, WT_LEN);
    varint(actionSize);
    tag(Action.ACTION_ID_FIELD_NUMBER, WT_VARINT);
    varint(actionInfo.id());
    for (int i = 0; i < actionInfo.ordered().size(); i++) {
      tag(Action.PARAMS_FIELD_NUMBER, WT_LEN);
      varint(paramSizes[i]);
      tag(Action.Param.PARAM_ID_FIELD_NUMBER, WT_VARINT);
      varint(actionInfo.ordered().get(i).id());
      int len = paramEnds[i] - paramStarts[i];
      tag(Action.Param.VALUE_FIELD_NUMBER, WT_LEN);
      bytes(paramValues[i], paramStarts[i], len);
    }
    if (cookie != 0) {
      tag(TableEntry.CONTROLLER_METADATA_FIELD_NUMBER, WT_VARINT);
      varint(cookie);
    }
    if (timeoutNs != 0) {
      tag(TableEntry.IDLE_TIMEOUT_NS_FIELD_NUMBER, WT_VARINT);
      varint(timeoutNs);
    }
    assert pos == end : "size mismatch";
  }

  // --- wire primitives ---

  private static int uint128Size(ElectionId id) {
    return (id.high() != 0 ? fieldVarint(Uint128.HIGH_FIELD_NUMBER, id.high()) : 0)
        + (id.low() != 0 ? fieldVarint(Uint128.LOW_FIELD_NUMBER, id.low()) : 0);
  }

  private static int varintSize(long v) {
    return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
  }

  private static int fieldVarint(int field, long v) {
    return v == 0 ? 0 : varintSize((long) field << 3) + varintSize(v);
  }

  private static int fieldLen(int field, int len) {
    return varintSize((long) field << 3) + varintSize(len) + len;
  }

  private static int fieldBytes(int field, int len) {
    return fieldLen(field, len);
  }

  private void ensure(int n) {
    if (pos + n > buf.length) {
      buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }
  }

  private void tag(int field, int wireType) {
    varint(((long) field << 3) | wireType);
  }

  private void varint(long v) {
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  private void bytes(byte[] src, int start, int len) {
    varint(len);
    System.arraycopy(src, start, buf, pos, len);
    pos += len;
  }
}
