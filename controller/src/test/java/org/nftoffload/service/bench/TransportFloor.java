package org.nftoffload.service.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under the flow-install latency on a given machine: the same transport as the flow path with none of the
 * controller's work. A client ("agent") sends paced messages on a gRPC bidi stream over loopback to a relay
 * ("controller"), which forwards each on a second stream to an echo server ("device") and passes the answer back, so
 * a message makes the two round trips a flow's event does (agent → controller → device and back). With
 * {@code handoff} the relay also hands each message to a worker thread on the way out and on the way back, as the
 * controller's flow-manager thread does. Everything runs in one process, paced like {@link FlowInstallLoad} (one
 * message per millisecond, {@code rate}/1000 items each, ~150 bytes per item), after a 2 s warm-up that is not
 * measured. If this floor's p99 is over a latency target, no controller code can meet that target on the machine.
 *
 * <p>Run: {@code controller/bench/transport-floor.sh [rate] [seconds] [hops 1|2] [handoff 0|1]}.
 */
public final class TransportFloor {

  private static final int ITEM_BYTES = 150;

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream in) {
      try {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static final MethodDescriptor<byte[], byte[]> CHAT = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("floor.Floor/Chat")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  private TransportFloor() {}

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int hops = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    boolean handoff = args.length > 3 && args[3].equals("1");
    int perMessage = Math.max(1, rate / 1000);
    long interval = TimeUnit.SECONDS.toNanos(1) * perMessage / rate;
    int warm = (int) (2L * rate / perMessage);
    int measured = seconds * rate / perMessage;

    ExecutorService worker = Executors.newSingleThreadExecutor();
    Server device = NettyServerBuilder.forPort(0).directExecutor().addService(service(out -> out)).build().start();
    ManagedChannel toDevice = channel(device.getPort());
    Server controller = NettyServerBuilder.forPort(0).directExecutor().addService(service(client -> {
      if (hops == 1) {
        return client;
      }
      // one stream to the device per client stream; answers go back to the client
      StreamObserver<byte[]> back = handoff ? each(worker, client) : client;
      StreamObserver<byte[]> forward = ClientCalls.asyncBidiStreamingCall(toDevice.newCall(CHAT, CallOptions.DEFAULT),
          back);
      return handoff ? each(worker, forward) : forward;
    })).build().start();
    ManagedChannel toController = channel(controller.getPort());

    int total = warm + measured;
    long[] sent = new long[total];
    long[] answered = new long[total];
    CountDownLatch done = new CountDownLatch(total);
    StreamObserver<byte[]> agent = ClientCalls.asyncBidiStreamingCall(
        toController.newCall(CHAT, CallOptions.DEFAULT), new Observer(m -> {
          answered[ByteBuffer.wrap(m).getInt()] = System.nanoTime();
          done.countDown();
        }));
    long next = System.nanoTime();
    for (int k = 0; k < total; k++) {
      long wait;
      while ((wait = next - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait > 50_000 ? wait - 20_000 : 1);
      }
      byte[] m = new byte[perMessage * ITEM_BYTES];
      ByteBuffer.wrap(m).putInt(k);
      sent[k] = System.nanoTime();
      agent.onNext(m);
      next += interval;
    }
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(done.getCount() + " messages unanswered");
    }
    long[] lat = new long[measured];
    for (int k = warm; k < total; k++) {
      lat[k - warm] = answered[k] - sent[k];
    }
    Arrays.sort(lat);
    System.out.printf("transport floor: %,d items/s, %d per message, %d round trip(s)%s, %d s: p50 %.3f ms, p99 %.3f"
        + " ms, p99.9 %.3f ms, max %.3f ms%n", rate, perMessage, hops, handoff ? " with 2 thread hand-offs" : "",
        seconds, lat[lat.length / 2] / 1e6, lat[(int) (lat.length * 0.99)] / 1e6,
        lat[(int) (lat.length * 0.999)] / 1e6, lat[lat.length - 1] / 1e6);
    agent.onCompleted();
    toController.shutdownNow();
    toDevice.shutdownNow();
    controller.shutdownNow();
    device.shutdownNow();
    worker.shutdownNow();
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
  }

  /** A service whose each stream gets the observer {@code handler} makes from the stream's response observer. */
  private static ServerServiceDefinition service(
      java.util.function.Function<StreamObserver<byte[]>, StreamObserver<byte[]>> handler) {
    return ServerServiceDefinition.builder("floor.Floor").addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(
        responses -> {
          StreamObserver<byte[]> target = handler.apply(responses);
          return new Observer(target::onNext);
        })).build();
  }

  /** {@code target} called on {@code executor}, one message at a time in order. */
  private static StreamObserver<byte[]> each(ExecutorService executor, StreamObserver<byte[]> target) {
    return new Observer(m -> executor.execute(() -> target.onNext(m)));
  }

  private record Observer(java.util.function.Consumer<byte[]> onMessage) implements StreamObserver<byte[]> {
    @Override
    public void onNext(byte[] value) {
      onMessage.accept(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
