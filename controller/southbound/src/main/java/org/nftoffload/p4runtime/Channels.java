package org.nftoffload.p4runtime;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Opens the gRPC channel for a {@link ClientConfig}: plaintext or TLS, with keepalive. */
final class Channels {

  private Channels() {}

  static ManagedChannel open(ClientConfig config) {
    ChannelCredentials creds;
    if (config.tlsTrustCertificates().isPresent()) {
      try {
        creds = TlsChannelCredentials.newBuilder().trustManager(config.tlsTrustCertificates().get().toFile()).build();
      } catch (IOException e) {
        throw new UncheckedIOException("device " + config.deviceId() + ": cannot read TLS trust certificates "
            + config.tlsTrustCertificates().get(), e);
      }
    } else {
      creds = InsecureChannelCredentials.create();
    }
    return Grpc.newChannelBuilderForAddress(config.host(), config.port(), creds)
        .keepAliveTime(config.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(config.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveWithoutCalls(false)
        .maxInboundMessageSize(64 << 20)
        .build();
  }
}
