package org.nftoffload.service.bench;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.nftoffload.p4runtime.RawWrite;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.CapabilitiesRequest;
import p4.v1.P4RuntimeOuterClass.CapabilitiesResponse;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;

/**
 * A P4Runtime device that does just enough to be driven — every stream is made primary, the pipeline's cookie is
 * kept, reads return nothing — and acknowledges every {@code Write} from its raw bytes without parsing them. Driving
 * it measures the controller's own cost plus gRPC transport, with no switch behind.
 */
final class P4RuntimeSink implements AutoCloseable {

  final LongAdder writes = new LongAdder();
  final LongAdder bytes = new LongAdder();
  private final Server server;
  private volatile long cookie;
  private volatile boolean configured;

  P4RuntimeSink() throws IOException {
    ServerServiceDefinition bound = new Service().bindService();
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(P4RuntimeGrpc.SERVICE_NAME);
    for (ServerMethodDefinition<?, ?> m : bound.getMethods()) {
      if (!m.getMethodDescriptor().getFullMethodName().equals(P4RuntimeGrpc.getWriteMethod().getFullMethodName())) {
        b.addMethod(m);
      }
    }
    // Write requests are counted and dropped as they come off the wire: no copy, no parse (a device's own cost is
    // not what this sink stands for).
    MethodDescriptor<Long, byte[]> write = MethodDescriptor.<Long, byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(P4RuntimeGrpc.getWriteMethod().getFullMethodName())
        .setRequestMarshaller(new MethodDescriptor.Marshaller<Long>() {
          @Override
          public java.io.InputStream stream(Long value) {
            throw new UnsupportedOperationException("the sink only receives writes");
          }

          @Override
          public Long parse(java.io.InputStream in) {
            try {
              return in.skip(Long.MAX_VALUE);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        }).setResponseMarshaller(RawWrite.BYTES).build();
    byte[] ok = new byte[0]; // an empty WriteResponse: every update OK
    b.addMethod(write, ServerCalls.asyncUnaryCall((Long length, StreamObserver<byte[]> out) -> {
      writes.increment();
      bytes.add(length);
      out.onNext(ok);
      out.onCompleted();
    }));
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(b.build())
        .maxInboundMessageSize(64 << 20).directExecutor().build().start();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }


  private final class Service extends P4RuntimeGrpc.P4RuntimeImplBase {
    @Override
    public StreamObserver<StreamMessageRequest> streamChannel(StreamObserver<StreamMessageResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(StreamMessageRequest m) {
          if (m.hasArbitration()) {
            // whoever announces is primary: one controller drives the sink
            synchronized (out) {
              out.onNext(StreamMessageResponse.newBuilder().setArbitration(m.getArbitration().toBuilder()
                  .setStatus(com.google.rpc.Status.newBuilder().setCode(0).setMessage("you are the primary")))
                  .build());
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          synchronized (out) {
            out.onCompleted();
          }
        }
      };
    }

    @Override
    public void setForwardingPipelineConfig(SetForwardingPipelineConfigRequest request,
        StreamObserver<SetForwardingPipelineConfigResponse> out) {
      cookie = request.getConfig().getCookie().getCookie();
      configured = true;
      out.onNext(SetForwardingPipelineConfigResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void getForwardingPipelineConfig(GetForwardingPipelineConfigRequest request,
        StreamObserver<GetForwardingPipelineConfigResponse> out) {
      GetForwardingPipelineConfigResponse.Builder r = GetForwardingPipelineConfigResponse.newBuilder();
      if (configured) {
        r.setConfig(ForwardingPipelineConfig.newBuilder()
            .setCookie(ForwardingPipelineConfig.Cookie.newBuilder().setCookie(cookie)));
      }
      out.onNext(r.build());
      out.onCompleted();
    }

    @Override
    public void read(ReadRequest request, StreamObserver<ReadResponse> out) {
      out.onNext(ReadResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void capabilities(CapabilitiesRequest request, StreamObserver<CapabilitiesResponse> out) {
      out.onNext(CapabilitiesResponse.newBuilder().setP4RuntimeApiVersion("1.2.0").build());
      out.onCompleted();
    }
  }
}
