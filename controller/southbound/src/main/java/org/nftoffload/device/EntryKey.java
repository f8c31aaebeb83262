package org.nftoffload.device;

import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * What identifies a table entry on a device: table, match key and priority (P4Runtime's key). Built from canonical
 * entries so that a written entry and the same entry read back have equal keys.
 */
public record EntryKey(PiTableId table, PiMatchKey match, int priority) {

  public static EntryKey of(PiTableEntry e) {
    return new EntryKey(e.table(), e.matchKey(), e.priority().orElse(0));
  }
}
