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
}
