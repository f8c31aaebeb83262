package org.nftoffload.device;

import java.util.List;
import org.nftoffload.p4runtime.UpdateResult;

/**
 * What one reconciliation of a device did: how many entries it had to insert (desired but missing), modify (present
 * with another action) and delete (present but not desired), and the updates the device refused.
 *
 * @param skipped why nothing was done (not primary, read failed), or empty when it ran
 */
public record ReconcileReport(String device, int inserted, int modified, int deleted, List<UpdateResult> failures,
    String skipped) {

  public ReconcileReport {
    failures = List.copyOf(failures);
  }

  static ReconcileReport skipped(String device, String why) {
    return new ReconcileReport(device, 0, 0, 0, List.of(), why);
  }

  public boolean ran() {
    return skipped.isEmpty();
  }

  public int changes() {
    return inserted + modified + deleted;
  }
}
