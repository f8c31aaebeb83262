package org.nftoffload.p4runtime;

import java.util.Objects;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * One change to one table entry, the unit of a batched write: its result comes back in a {@link UpdateResult} at
 * the same position in the {@link WriteResult}.
 *
 * @param type insert, modify or delete
 * @param entry the entry (for a delete only its table, match key and priority matter)
 */
public record TableUpdate(UpdateType type, PiTableEntry entry) {

  public TableUpdate {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(entry, "entry");
  }

  public static TableUpdate insert(PiTableEntry entry) {
    return new TableUpdate(UpdateType.INSERT, entry);
  }

  public static TableUpdate modify(PiTableEntry entry) {
    return new TableUpdate(UpdateType.MODIFY, entry);
  }

  public static TableUpdate delete(PiTableEntry entry) {
    return new TableUpdate(UpdateType.DELETE, entry);
  }
}
