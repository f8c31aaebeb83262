package org.nftoffload.p4runtime;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * The read part of a device client: every entry of a table as the device holds it, with its direct counter data
 * ({@link PiTableEntry#counter()}), decoded to canonical PI form (values widened to their field's byte width).
 */
public interface ReadClient {

  CompletableFuture<List<PiTableEntry>> readTableEntries(PiTableId table);

  /**
   * The form a written entry takes when read back (values widened to field width, wildcards dropped): what the
   * device manager compares against when it reconciles.
   */
  PiTableEntry canonical(PiTableEntry entry) throws CodecException;

  /**
   * The canonical {@code p4.v1.TableEntry} wire bytes of an entry (shortest bytestrings, fields in P4Info order,
   * no counter data): two entries the device treats alike have equal bytes, and the key fields (table id and match)
   * come first. A compact form to keep many entries in; {@link #decode} gives back {@link #canonical}'s entry.
   */
  byte[] canonicalBytes(PiTableEntry entry) throws CodecException;

  /** The entry of {@link #canonicalBytes} output: equal to {@link #canonical} of the entry that gave them. */
  PiTableEntry decode(byte[] canonicalBytes) throws CodecException;
}
