package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.TlsServerCredentials;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client over TLS: trusts the configured CA file; a plaintext client cannot talk to a TLS device. */
class TlsTest {

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool timed out");
    assertEquals(0, p.exitValue(), "keytool " + String.join(" ", args));
  }

  @Test
  void connectsOverTlsWithTheConfiguredTrustAndNotInPlaintext(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("device.p12");
    Path cert = dir.resolve("device.pem");
    keytool("-genkeypair", "-alias", "device", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=device", "-ext", "SAN=ip:127.0.0.1", "-keystore", store.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit");
    keytool("-exportcert", "-rfc", "-alias", "device", "-keystore", store.toString(), "-storepass", "changeit",
        "-file", cert.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    try (FakeDevice device = FakeDevice.startTls(TlsServerCredentials.newBuilder().keyManager(kmf.getKeyManagers())
        .build())) {
      ClientConfig plain = ClientConfig.of("127.0.0.1", device.port(), 1).withRpcDeadline(Duration.ofSeconds(3));
      try (P4RuntimeClient tls = P4RuntimeClient.create(plain.withTls(cert), TestP4Info.get(), new ManualScheduler(),
          new SplittableRandom(1));
          P4RuntimeClient clear = P4RuntimeClient.create(plain, TestP4Info.get(), new ManualScheduler(),
              new SplittableRandom(1))) {
        assertTrue(tls.connect().get(10, TimeUnit.SECONDS).isPrimary());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> clear.pipelineCookie().get(10, TimeUnit.SECONDS));
        assertEquals(RpcCode.UNAVAILABLE, ((DeviceException) e.getCause()).code(), e.getCause().getMessage());
      }
    }
  }
}
