package org.nftoffload.p4runtime;

import org.nftoffload.p4runtime.P4InfoIndex.ActionInfo;
import org.nftoffload.p4runtime.P4InfoIndex.TableInfo;
import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.config.v1.P4InfoOuterClass.P4Info;

/**
 * Canonical {@code p4.v1.TableEntry} wire bytes ({@link ReadClient#canonicalBytes}) of entries of an all-exact table
 * with a direct action, written straight from the values: for a producer of many entries of one shape (the flow
 * manager writes two per flow) that would otherwise build a PI entry only for the client to encode it again. The
 * bytes equal the client's canonical bytes of the same entry in PI form (a property test checks this), so they can
 * be handed to {@link TableUpdate#canonical} and kept by the device layer as they are.
 *
 * <p>Values go in P4Info order ({@link Shape#keyPosition}, {@link Shape#paramPosition} map PI ids to it): each is a
 * byte array (big-endian, any length that fits) or, when that slot is null, a number. Not for concurrent use.
 */
public final class ExactEntryEncoder {

  private final P4InfoIndex index;
  private final WriteRequestEncoder encoder;

  private ExactEntryEncoder(P4InfoIndex index) {
    this.index = index;
    this.encoder = new WriteRequestEncoder(index);
  }

  public static ExactEntryEncoder of(P4Info p4Info) {
    return new ExactEntryEncoder(new P4InfoIndex(p4Info));
  }

  /** A table and one of its actions, resolved once. */
  public final class Shape {
    private final TableInfo table;
    private final ActionInfo action;

    private Shape(TableInfo table, ActionInfo action) {
      this.table = table;
      this.action = action;
    }

    public int keyCount() {
      return table.key().size();
    }

    public int paramCount() {
      return action.ordered().size();
    }

    /** Position of a key field in the P4Info (the order values are given in). */
    public int keyPosition(PiMatchFieldId field) {
      P4InfoIndex.Field f = table.byName().get(field.id());
      if (f == null) {
        throw new IllegalArgumentException(table.name() + " has no key field " + field.id());
      }
      return f.position();
    }

    /** Position of an action parameter in the P4Info. */
    public int paramPosition(PiActionParamId param) {
      P4InfoIndex.Param p = action.byName().get(param.id());
      if (p == null) {
        throw new IllegalArgumentException(action.name() + " has no parameter " + param.id());
      }
      return p.position();
    }

    /**
     * The entry's canonical bytes; {@code idleTimeoutNs} 0 for none. Throws IllegalArgumentException for a value
     * wider than its field.
     */
    public byte[] encode(long[] keyLongs, byte[][] keyBytes, long[] paramLongs, byte[][] paramBytes,
        long idleTimeoutNs) {
      return encoder.encodeExact(table, action, keyLongs, keyBytes, paramLongs, paramBytes, idleTimeoutNs);
    }
  }

  /**
   * The shape of entries of {@code table} with {@code action}; IllegalArgumentException when the P4Info has no such
   * table, the table is not all-exact, or the action is not one of its actions.
   */
  public Shape shape(PiTableId table, PiActionId action) {
    TableInfo t = index.findTable(table.id()).orElseThrow(
        () -> new IllegalArgumentException("P4Info has no table " + table.id()));
    ActionInfo a = index.findAction(action.id()).orElseThrow(
        () -> new IllegalArgumentException("P4Info has no action " + action.id()));
    if (!t.allExact()) {
      throw new IllegalArgumentException(t.name() + " has match kinds other than exact");
    }
    if (!t.actionIds().contains(a.id())) {
      throw new IllegalArgumentException(a.name() + " is not an action of " + t.name());
    }
    return new Shape(t, a);
  }

  /** The canonical bytes of any entry in PI form, as the device client computes them: the reference. */
  public byte[] canonical(PiTableEntry entry) throws CodecException {
    return encoder.encodeEntry(entry);
  }
}
