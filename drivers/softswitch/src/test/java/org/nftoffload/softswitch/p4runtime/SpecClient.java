package org.nftoffload.softswitch.p4runtime;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.Uint128;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/**
 * A P4Runtime client written from the spec only: a channel to the switch, the stream channel with arbitration,
 * and the unary RPCs; ids come from the P4Info by name. What the switch answers is decoded as any controller
 * would (grpc-status-details-bin for per-update errors).
 */
final class SpecClient implements AutoCloseable {

  final ManagedChannel channel;
  final P4RuntimeGrpc.P4RuntimeBlockingStub blocking;
  final P4RuntimeGrpc.P4RuntimeStub async;
  final P4Info p4Info;
  final long deviceId;

  SpecClient(InetSocketAddress address, P4Info p4Info, long deviceId) {
    this.channel = ManagedChannelBuilder.forAddress(address.getHostString(), address.getPort()).usePlaintext().build();
    this.blocking = P4RuntimeGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    this.async = P4RuntimeGrpc.newStub(channel);
    this.p4Info = p4Info;
    this.deviceId = deviceId;
  }

  static Uint128 election(long low) {
    return Uint128.newBuilder().setLow(low).build();
  }

  /** An open stream channel and what it received. */
  final class Stream implements AutoCloseable {
    final BlockingQueue<StreamMessageResponse> received = new LinkedBlockingQueue<>();
    final BlockingQueue<Throwable> ended = new LinkedBlockingQueue<>();
    final StreamObserver<StreamMessageRequest> requests;

    Stream() {
      requests = async.streamChannel(new StreamObserver<>() {
        @Override
        public void onNext(StreamMessageResponse value) {
          received.add(value);
        }

        @Override
        public void onError(Throwable t) {
          ended.add(t);
        }

        @Override
        public void onCompleted() {
          ended.add(new RuntimeException("completed"));
        }
      });
    }

    void send(StreamMessageRequest r) {
      synchronized (requests) {
        requests.onNext(r);
      }
    }

    void arbitrate(long electionId, long roleId) {
      MasterArbitrationUpdate.Builder m = MasterArbitrationUpdate.newBuilder().setDeviceId(deviceId)
          .setElectionId(election(electionId));
      if (roleId != 0) {
        m.setRole(p4.v1.P4RuntimeOuterClass.Role.newBuilder().setId(roleId));
      }
      send(StreamMessageRequest.newBuilder().setArbitration(m).build());
    }

    /** The next message matching {@code filter}, skipping others; fails after {@code timeout}. */
    StreamMessageResponse next(Predicate<StreamMessageResponse> filter, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        StreamMessageResponse m = received.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
        if (m == null) {
          throw new AssertionError("no matching stream message within " + timeout);
        }
        if (filter.test(m)) {
          return m;
        }
      }
    }

    MasterArbitrationUpdate nextArbitration() throws InterruptedException {
      return next(StreamMessageResponse::hasArbitration, Duration.ofSeconds(10)).getArbitration();
    }

    @Override
    public void close() {
      try {
        synchronized (requests) {
          requests.onCompleted();
        }
      } catch (RuntimeException e) {
        // already closed by the server
      }
    }
  }

  Stream stream() {
    return new Stream();
  }

  /** Opens a stream and becomes primary (or backup) with {@code electionId}; returns the stream. */
  Stream arbitrated(long electionId) throws InterruptedException {
    Stream s = stream();
    s.arbitrate(electionId, 0);
    s.nextArbitration();
    return s;
  }

  void setPipeline(long electionId, SetForwardingPipelineConfigRequest.Action action, P4Info info, long cookie) {
    blocking.setForwardingPipelineConfig(SetForwardingPipelineConfigRequest.newBuilder().setDeviceId(deviceId)
        .setElectionId(election(electionId)).setAction(action)
        .setConfig(ForwardingPipelineConfig.newBuilder().setP4Info(info)
            .setCookie(ForwardingPipelineConfig.Cookie.newBuilder().setCookie(cookie)))
        .build());
  }

  /** COMMIT of the config saved by VERIFY_AND_SAVE (the request carries none). */
  void commit(long electionId) {
    blocking.setForwardingPipelineConfig(SetForwardingPipelineConfigRequest.newBuilder().setDeviceId(deviceId)
        .setElectionId(election(electionId)).setAction(SetForwardingPipelineConfigRequest.Action.COMMIT).build());
  }

  void write(long electionId, WriteRequest.Atomicity atomicity, List<Update> updates) {
    blocking.write(WriteRequest.newBuilder().setDeviceId(deviceId).setElectionId(election(electionId))
        .setAtomicity(atomicity).addAllUpdates(updates).build());
  }

  void write(long electionId, Update... updates) {
    write(electionId, WriteRequest.Atomicity.CONTINUE_ON_ERROR, List.of(updates));
  }

  /** The per-update errors of a failed batch, decoded from grpc-status-details-bin. */
  static List<p4.v1.P4RuntimeOuterClass.Error> updateErrors(StatusRuntimeException e) {
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    if (s == null) {
      throw new AssertionError("no grpc-status-details-bin in " + e);
    }
    List<p4.v1.P4RuntimeOuterClass.Error> out = new ArrayList<>();
    for (com.google.protobuf.Any any : s.getDetailsList()) {
      try {
        out.add(any.unpack(p4.v1.P4RuntimeOuterClass.Error.class));
      } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
        throw new AssertionError(ex);
      }
    }
    return out;
  }

  List<Entity> read(Entity... entities) {
    Iterator<ReadResponse> it = blocking.read(ReadRequest.newBuilder().setDeviceId(deviceId)
        .addAllEntities(List.of(entities)).build());
    List<Entity> out = new ArrayList<>();
    it.forEachRemaining(r -> out.addAll(r.getEntitiesList()));
    return out;
  }

  // ---------------------------------------------------------------------------------------- P4Info lookups

  int tableId(String alias) {
    return p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals(alias)).findFirst()
        .orElseThrow().getPreamble().getId();
  }

  int fieldId(String table, String field) {
    return p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias().equals(table)).findFirst()
        .orElseThrow().getMatchFieldsList().stream().filter(f -> f.getName().equals(field)).findFirst().orElseThrow()
        .getId();
  }

  int actionId(String alias) {
    return p4Info.getActionsList().stream().filter(a -> a.getPreamble().getAlias().equals(alias)).findFirst()
        .orElseThrow().getPreamble().getId();
  }

  int paramId(String action, String param) {
    return p4Info.getActionsList().stream().filter(a -> a.getPreamble().getAlias().equals(action)).findFirst()
        .orElseThrow().getParamsList().stream().filter(p -> p.getName().equals(param)).findFirst().orElseThrow()
        .getId();
  }

  int counterId(String alias) {
    return p4Info.getCountersList().stream().filter(c -> c.getPreamble().getAlias().equals(alias)).findFirst()
        .orElseThrow().getPreamble().getId();
  }

  int metadataId(String header, String field) {
    return p4Info.getControllerPacketMetadataList().stream().filter(h -> h.getPreamble().getName().equals(header))
        .findFirst().orElseThrow().getMetadataList().stream().filter(m -> m.getName().equals(field)).findFirst()
        .orElseThrow().getId();
  }

  static ByteString bytes(long value, int length) {
    byte[] b = new byte[length];
    for (int i = length - 1; i >= 0; i--) {
      b[i] = (byte) value;
      value >>>= 8;
    }
    return ByteString.copyFrom(b);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }
}
