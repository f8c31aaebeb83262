package org.nftoffload.p4runtime;

import java.util.random.RandomGenerator;
import p4.config.v1.P4InfoOuterClass.P4Info;

/**
 * One device's P4Runtime client, made of the four small parts the controller uses: pipeline config, write, read and
 * stream. The API speaks ONOS PI types; protobuf and gRPC stay inside this package. Close it to drop the stream and
 * the channel.
 */
public interface P4RuntimeClient extends PipelineConfigClient, WriteClient, ReadClient, StreamClient,
    AutoCloseable {

  ClientConfig config();

  @Override
  void close();

  /**
   * The cookie that identifies a pipeline (P4Info plus device config): the first 8 bytes of their SHA-256. A device
   * that reports this cookie already runs the pipeline and is not reprogrammed.
   */
  static long cookieFor(P4Info p4Info, byte[] deviceConfig) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update(p4Info.toByteArray());
      sha.update(deviceConfig);
      return java.nio.ByteBuffer.wrap(sha.digest()).getLong();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  /**
   * A client over a new gRPC channel; nothing is sent until {@link #connect()} or the first call. Write requests
   * are encoded on the JDK's common fork-join pool.
   */
  static P4RuntimeClient create(ClientConfig config, P4Info p4Info, Scheduler scheduler, RandomGenerator random) {
    return create(config, p4Info, scheduler, random, java.util.concurrent.ForkJoinPool.commonPool());
  }

  /** A client whose write requests are encoded on {@code encodeExecutor} (never on the caller's thread). */
  static P4RuntimeClient create(ClientConfig config, P4Info p4Info, Scheduler scheduler, RandomGenerator random,
      java.util.concurrent.Executor encodeExecutor) {
    return new GrpcP4RuntimeClient(config, new P4InfoIndex(p4Info), scheduler, random, encodeExecutor);
  }
}
