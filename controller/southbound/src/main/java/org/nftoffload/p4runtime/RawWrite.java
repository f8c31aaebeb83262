package org.nftoffload.p4runtime;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
      return new ByteArrayInputStream(value);
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

  /** {@code P4Runtime/Write} with bytes both ways: a server bound to it never parses a request. */
  public static MethodDescriptor<byte[], byte[]> unparsedMethod() {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(P4RuntimeGrpc.getWriteMethod().getFullMethodName())
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }
}
