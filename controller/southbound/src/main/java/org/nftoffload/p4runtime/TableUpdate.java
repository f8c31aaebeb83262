package org.nftoffload.p4runtime;

import java.util.Objects;
import java.util.function.Supplier;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * One change to one table entry, the unit of a batched write: its result comes back in a {@link UpdateResult} at
 * the same position in the {@link WriteResult}. For a delete only the entry's table, match key and priority matter.
 *
 * <p>An update made with {@link #canonical} also carries the entry as its canonical wire bytes
 * ({@link ReadClient#canonicalBytes}): the device layer keys and writes those bytes as they are, and the PI form is
 * built only when something asks for {@link #entry()} (an error message, a test). Equality is by type and PI entry.
 */
public final class TableUpdate {

  private final UpdateType type;
  private final byte[] canonical;
  private Supplier<PiTableEntry> source; // guarded by this; null once entry is set
  private volatile PiTableEntry entry;

  public TableUpdate(UpdateType type, PiTableEntry entry) {
    this.type = Objects.requireNonNull(type, "type");
    this.entry = Objects.requireNonNull(entry, "entry");
    this.canonical = null;
  }

  private TableUpdate(UpdateType type, byte[] canonical, Supplier<PiTableEntry> source) {
    this.type = Objects.requireNonNull(type, "type");
    this.canonical = Objects.requireNonNull(canonical, "canonical");
    this.source = Objects.requireNonNull(source, "source");
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

  /**
   * An update of the entry whose canonical wire bytes are {@code canonical} (for the pipeline of the device it goes
   * to, e.g. from {@link ExactEntryEncoder}); {@code entry} builds the same entry in PI form, at most once, on demand.
   * The caller guarantees the two agree.
   */
  public static TableUpdate canonical(UpdateType type, byte[] canonical, Supplier<PiTableEntry> entry) {
    return new TableUpdate(type, canonical, entry);
  }

  public UpdateType type() {
    return type;
  }

  /** The entry in PI form. */
  public PiTableEntry entry() {
    PiTableEntry e = entry;
    if (e == null) {
      synchronized (this) {
        if (entry == null) {
          entry = Objects.requireNonNull(source.get(), "entry supplier returned null");
          source = null;
        }
        e = entry;
      }
    }
    return e;
  }

  /** The entry's canonical wire bytes when the update was made with them, else null. Not to be modified. */
  public byte[] canonical() {
    return canonical;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TableUpdate u && u.type == type && u.entry().equals(entry());
  }

  @Override
  public int hashCode() {
    return 31 * type.hashCode() + entry().hashCode();
  }

  @Override
  public String toString() {
    return "TableUpdate[type=" + type + ", entry=" + entry() + "]";
  }
}
