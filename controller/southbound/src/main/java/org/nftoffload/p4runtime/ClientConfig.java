package org.nftoffload.p4runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach and talk to one P4Runtime device. Every setting and its default:
 * <ul>
 *   <li>{@code host}, {@code port}: the device's gRPC endpoint (no default);</li>
 *   <li>{@code deviceId}: P4Runtime device id (no default);</li>
 *   <li>{@code electionId}: this controller's election id, highest wins primary (default 1);</li>
 *   <li>{@code roleId}: P4Runtime role, 0 = the default role with full access (default 0);</li>
 *   <li>{@code rpcDeadline}: deadline of each unary call (default 10 s);</li>
 *   <li>{@code keepAliveTime}, {@code keepAliveTimeout}: HTTP/2 pings on an idle connection (default 5 min / 20 s;
 *       grpc-java servers refuse pings more often than every 5 min unless told otherwise);</li>
 *   <li>{@code writeBatchSize}: updates per {@code Write} call (default 1024);</li>
 *   <li>{@code batchesInFlight}: {@code Write} calls outstanding at once per device (default 4);</li>
 *   <li>{@code backoff}: stream reconnect backoff (default {@link Backoff#DEFAULT});</li>
 *   <li>{@code tlsTrustCertificates}: PEM file of CAs to trust; absent = plaintext (default absent).</li>
 * </ul>
 */
public record ClientConfig(String host, int port, long deviceId, ElectionId electionId, long roleId,
    Duration rpcDeadline, Duration keepAliveTime, Duration keepAliveTimeout, int writeBatchSize,
    int batchesInFlight, Backoff backoff, Optional<Path> tlsTrustCertificates) {

  public ClientConfig {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("device host is empty");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("device port " + port + " outside 1..65535");
    }
    Objects.requireNonNull(electionId, "electionId");
    if (electionId.high() == 0 && electionId.low() == 0) {
      throw new IllegalArgumentException("election id 0 is reserved (P4Runtime: no primary)");
    }
    positive(rpcDeadline, "rpcDeadline");
    positive(keepAliveTime, "keepAliveTime");
    positive(keepAliveTimeout, "keepAliveTimeout");
    if (writeBatchSize < 1) {
      throw new IllegalArgumentException("writeBatchSize must be at least 1, got " + writeBatchSize);
    }
    if (batchesInFlight < 1) {
      throw new IllegalArgumentException("batchesInFlight must be at least 1, got " + batchesInFlight);
    }
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(tlsTrustCertificates, "tlsTrustCertificates");
  }

  /** Defaults for everything but the endpoint and device id. */
  public static ClientConfig of(String host, int port, long deviceId) {
    return new ClientConfig(host, port, deviceId, ElectionId.of(1), 0, Duration.ofSeconds(10), Duration.ofMinutes(5),
        Duration.ofSeconds(20), 1024, 4, Backoff.DEFAULT, Optional.empty());
  }

  public ClientConfig withElectionId(ElectionId id) {
    return new ClientConfig(host, port, deviceId, id, roleId, rpcDeadline, keepAliveTime, keepAliveTimeout,
        writeBatchSize, batchesInFlight, backoff, tlsTrustCertificates);
  }

  public ClientConfig withBatching(int batchSize, int inFlight) {
    return new ClientConfig(host, port, deviceId, electionId, roleId, rpcDeadline, keepAliveTime, keepAliveTimeout,
        batchSize, inFlight, backoff, tlsTrustCertificates);
  }

  public ClientConfig withBackoff(Backoff b) {
    return new ClientConfig(host, port, deviceId, electionId, roleId, rpcDeadline, keepAliveTime, keepAliveTimeout,
        writeBatchSize, batchesInFlight, b, tlsTrustCertificates);
  }

  public ClientConfig withRpcDeadline(Duration d) {
    return new ClientConfig(host, port, deviceId, electionId, roleId, d, keepAliveTime, keepAliveTimeout,
        writeBatchSize, batchesInFlight, backoff, tlsTrustCertificates);
  }

  public ClientConfig withTls(Path trustCertificates) {
    return new ClientConfig(host, port, deviceId, electionId, roleId, rpcDeadline, keepAliveTime, keepAliveTimeout,
        writeBatchSize, batchesInFlight, backoff, Optional.of(trustCertificates));
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
