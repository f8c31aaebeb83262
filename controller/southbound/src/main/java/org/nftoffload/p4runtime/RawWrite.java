package org.nftoffload.p4runtime;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import p4.v1.P4RuntimeGrpc;

/**
 * {@code P4Runtime/Write} carried as raw protobuf bytes: the client sends requests its encoder already wrote, and
 * the benchmark sinks take them off the wire without parsing (what is left is the sender's own cost).
 */
public final class RawWrite {

  private RawWrite() {}

  /** A marshaller for messages that are already protobuf bytes. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new Bytes(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /**
   * The bytes as a stream gRPC's framer drains straight into its buffers: a plain input stream is copied through a
   * fresh 8 KiB buffer per message.
   */
  private static final class Bytes extends ByteArrayInputStream implements Drainable, KnownLength {
    Bytes(byte[] b) {
      super(b);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }

  /** {@code P4Runtime/Write} with bytes both ways: a server bound to it never parses a request. */
  public static MethodDescriptor<byte[], byte[]> unparsedMethod() {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(P4RuntimeGrpc.getWriteMethod().getFullMethodName())
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }
}
