package org.nftoffload.device;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.nftoffload.p4runtime.Backoff;
import org.nftoffload.p4runtime.ElectionId;

/**
 * Settings the device manager applies to every device. Defaults ({@link #defaults()}): election id 1, role 0,
 * reconcile every 30 s, 1024 updates per write and 4 writes in flight, 10 s RPC deadline, {@link Backoff#DEFAULT},
 * plaintext.
 *
 * @param electionId this controller's election id (the highest among controllers is primary)
 * @param roleId P4Runtime role (0: full access)
 * @param reconcilePeriod how often each device is read back and repaired
 * @param writeBatchSize updates per {@code Write}
 * @param batchesInFlight {@code Write}s outstanding per device
 * @param rpcDeadline deadline per call
 * @param backoff stream reconnect backoff
 * @param tlsTrustCertificates CA file for TLS to devices; absent = plaintext
 */
public record ManagerConfig(ElectionId electionId, long roleId, Duration reconcilePeriod, int writeBatchSize,
    int batchesInFlight, Duration rpcDeadline, Backoff backoff, Optional<Path> tlsTrustCertificates) {

  public ManagerConfig {
    Objects.requireNonNull(electionId, "electionId");
    Objects.requireNonNull(reconcilePeriod, "reconcilePeriod");
    if (reconcilePeriod.isNegative() || reconcilePeriod.isZero()) {
      throw new IllegalArgumentException("reconcilePeriod must be positive, got " + reconcilePeriod);
    }
    Objects.requireNonNull(rpcDeadline, "rpcDeadline");
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(tlsTrustCertificates, "tlsTrustCertificates");
  }

  public static ManagerConfig defaults() {
    return new ManagerConfig(ElectionId.of(1), 0, Duration.ofSeconds(30), 1024, 4, Duration.ofSeconds(10),
        Backoff.DEFAULT, Optional.empty());
  }

  public ManagerConfig withElectionId(ElectionId id) {
    return new ManagerConfig(id, roleId, reconcilePeriod, writeBatchSize, batchesInFlight, rpcDeadline, backoff,
        tlsTrustCertificates);
  }

  public ManagerConfig withReconcilePeriod(Duration period) {
    return new ManagerConfig(electionId, roleId, period, writeBatchSize, batchesInFlight, rpcDeadline, backoff,
        tlsTrustCertificates);
  }
}
