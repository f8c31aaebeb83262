package org.nftoffload.plan;

import java.util.Objects;
import java.util.Optional;
import org.onosproject.net.pi.runtime.PiTableEntry;

/**
 * One entry of the switch ACL in ONOS PI form, the rule it implements, and for {@code meter_acl} entries the meter
 * configuration ({@code limit rate}) the southbound must write for it.
 */
public record AclEntry(PiTableEntry entry, RuleRef source, Optional<MeterSpec> meter) {
  public AclEntry {
    Objects.requireNonNull(entry);
    Objects.requireNonNull(source);
    Objects.requireNonNull(meter);
  }

  /** A packets-per-period rate and burst from nft {@code limit rate}; the ACL meter counts packets. */
  public record MeterSpec(long packetsPerSecond, long burstPackets) {
    public MeterSpec {
      if (packetsPerSecond < 0 || burstPackets < 0) {
        throw new IllegalArgumentException("meter rate and burst are not negative");
      }
    }
  }
}
