package org.nftoffload.bench;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import org.nftoffload.p4runtime.RawWrite;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.WriteRequest;
import p4.v1.P4RuntimeOuterClass.WriteResponse;

/** The P4Runtime servers the install-rate benchmark writes into, all on 127.0.0.1. */
final class Targets {

  private Targets() {}


  /**
   * (a) A sink for {@code P4Runtime/Write} that takes the request bytes and acknowledges with an empty
   * {@code WriteResponse} without parsing: what is left is the controller's own cost plus gRPC transport.
   */
  static Server sink(LongAdder bytesReceived) throws IOException {
    MethodDescriptor<byte[], byte[]> write = RawWrite.unparsedMethod();
    ServerServiceDefinition service = ServerServiceDefinition.builder(P4RuntimeGrpc.SERVICE_NAME)
        .addMethod(write, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> out) -> {
          bytesReceived.add(request.length);
          out.onNext(new byte[0]);
          out.onCompleted();
        })).build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
        .maxInboundMessageSize(64 << 20).build().start();
  }

  /** (b) A grpc-java P4Runtime server whose Write parses the request (the generated marshaller) and acks. */
  static Server noop(LongAdder updatesReceived) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new P4RuntimeGrpc.P4RuntimeImplBase() {
          @Override
          public void write(WriteRequest request, StreamObserver<WriteResponse> out) {
            updatesReceived.add(request.getUpdatesCount());
            out.onNext(WriteResponse.getDefaultInstance());
            out.onCompleted();
          }
        }).maxInboundMessageSize(64 << 20).build().start();
  }
}
