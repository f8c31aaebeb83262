package org.nftoffload.p4runtime;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.CounterData;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.Error;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.IdleTimeoutNotification;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.TableEntry;
import p4.v1.P4RuntimeOuterClass.Uint128;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;
import p4.v1.P4RuntimeOuterClass.WriteResponse;

/**
 * A small P4Runtime server for client tests, on 127.0.0.1 over real gRPC: primary election per device, pipeline
 * config with cookie, table writes with per-update errors in {@code grpc-status-details-bin}, reads with direct
 * counter data, packet-out capture, and hooks to inject packet-in and idle-timeout notifications or to delete
 * entries behind the controller's back. It holds tables as protobuf; it does not forward packets.
 */
public final class FakeDevice implements AutoCloseable {

  private final Object lock = new Object();
  private Server server;
  private int port;
  // Guarded by lock.
  private final List<Stream> streams = new ArrayList<>();
  private final Map<ByteString, TableEntry> entries = new LinkedHashMap<>();
  private ForwardingPipelineConfig pipeline;
  private Uint128 primaryId;
  private Uint128 highest;
  private final List<PacketOut> packetsOut = new CopyOnWriteArrayList<>();
  private volatile int writeCalls;
  private final java.util.Map<Integer, p4.v1.P4RuntimeOuterClass.CloneSessionEntry> cloneSessions =
      new java.util.HashMap<>(); // guarded by lock
  private volatile boolean stallWrites;
  private final List<StreamObserver<WriteResponse>> stalled = new CopyOnWriteArrayList<>();
  private volatile int setPipelineCalls;

  private record Stream(StreamObserver<StreamMessageResponse> out, long deviceId, Uint128 electionId) {}

  private io.grpc.ServerCredentials credentials;

  /** Starts on an ephemeral loopback port. */
  public static FakeDevice start() {
    FakeDevice d = new FakeDevice();
    d.listen(0);
    return d;
  }

  /** Starts with TLS on an ephemeral loopback port. */
  public static FakeDevice startTls(io.grpc.ServerCredentials credentials) {
    FakeDevice d = new FakeDevice();
    d.credentials = credentials;
    d.listen(0);
    return d;
  }

  public int port() {
    return port;
  }

  /** Stops and starts again on the same port with empty state: what a device reboot looks like. */
  public void restart() {
    stop();
    synchronized (lock) {
      streams.clear();
      entries.clear();
      cloneSessions.clear();
      pipeline = null;
      primaryId = null;
      highest = null;
    }
    listen(port);
  }

  public void stop() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void listen(int p) {
    try {
      // Bind to loopback only.
      var address = new java.net.InetSocketAddress("127.0.0.1", p);
      var builder = credentials == null ? io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(address)
          : io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(address, credentials);
      server = builder.addService(new Service()).build().start();
      port = server.getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<TableEntry> entries() {
    synchronized (lock) {
      return List.copyOf(entries.values());
    }
  }

  /** Clone sessions written, by id. */
  public java.util.Map<Integer, p4.v1.P4RuntimeOuterClass.CloneSessionEntry> cloneSessions() {
    synchronized (lock) {
      return java.util.Map.copyOf(cloneSessions);
    }
  }

  public int entryCount() {
    synchronized (lock) {
      return entries.size();
    }
  }

  /** Deletes entries behind the controller's back. */
  public void removeEntries(int count) {
    synchronized (lock) {
      var it = entries.keySet().iterator();
      for (int i = 0; i < count && it.hasNext(); i++) {
        it.next();
        it.remove();
      }
    }
  }

  /** Changes an entry's action behind the controller's back. */
  public void corruptFirstEntry(p4.v1.P4RuntimeOuterClass.Action action) {
    synchronized (lock) {
      var first = entries.entrySet().iterator().next();
      first.setValue(first.getValue().toBuilder().setAction(first.getValue().getAction().toBuilder()
          .setAction(action)).build());
    }
  }

  /** Adds an entry no controller wrote. */
  public void addForeignEntry(TableEntry e) {
    synchronized (lock) {
      entries.put(key(e), e);
    }
  }

  public List<PacketOut> packetsOut() {
    return packetsOut;
  }

  /** Writes are accepted but never answered (a hung device), to exercise client deadlines. */
  public void stallWrites(boolean on) {
    stallWrites = on;
  }

  public int writeCalls() {
    return writeCalls;
  }

  public int setPipelineCalls() {
    return setPipelineCalls;
  }

  public java.util.Optional<Long> pipelineCookie() {
    synchronized (lock) {
      return pipeline == null ? java.util.Optional.empty() : java.util.Optional.of(pipeline.getCookie().getCookie());
    }
  }

  /** Sends a packet-in to the primary. */
  public void sendPacketIn(PacketIn p) {
    toPrimary(StreamMessageResponse.newBuilder().setPacket(p).build());
  }

  /** Sends an idle-timeout notification for entries to the primary. */
  public void sendIdleTimeout(List<TableEntry> es) {
    toPrimary(StreamMessageResponse.newBuilder().setIdleTimeoutNotification(
        IdleTimeoutNotification.newBuilder().addAllTableEntry(es).setTimestamp(1)).build());
  }

  private void toPrimary(StreamMessageResponse msg) {
    synchronized (lock) {
      for (Stream s : streams) {
        if (s.electionId.equals(primaryId)) {
          s.out.onNext(msg);
        }
      }
    }
  }

  private static ByteString key(TableEntry e) {
    TableEntry.Builder k = TableEntry.newBuilder().setTableId(e.getTableId()).setPriority(e.getPriority());
    e.getMatchList().stream().sorted(Comparator.comparingInt(FieldMatch::getFieldId)).forEach(k::addMatch);
    return k.build().toByteString();
  }

  private static int compare(Uint128 a, Uint128 b) {
    int c = Long.compareUnsigned(a.getHigh(), b.getHigh());
    return c != 0 ? c : Long.compareUnsigned(a.getLow(), b.getLow());
  }

  /**
   * Recomputes the primary as the spec says: the stream holding the highest election id ever seen; when that
   * stream is gone there is no primary until someone announces an id at least as high. Tells every stream where
   * it stands. Caller holds the lock.
   */
  private void elect() {
    for (Stream s : streams) {
      if (highest == null || compare(s.electionId, highest) >= 0) {
        highest = s.electionId;
      }
    }
    primaryId = streams.stream().map(Stream::electionId).filter(id -> id.equals(highest)).findFirst().orElse(null);
    for (Stream s : streams) {
      boolean primary = s.electionId.equals(primaryId);
      MasterArbitrationUpdate.Builder a = MasterArbitrationUpdate.newBuilder().setDeviceId(s.deviceId)
          .setElectionId(primaryId != null ? primaryId : highest).setStatus(com.google.rpc.Status.newBuilder()
              .setCode(primary ? Status.Code.OK.value()
                  : primaryId != null ? Status.Code.ALREADY_EXISTS.value() : Status.Code.NOT_FOUND.value()));
      s.out.onNext(StreamMessageResponse.newBuilder().setArbitration(a).build());
    }
  }

  private final class Service extends P4RuntimeGrpc.P4RuntimeImplBase {

    @Override
    public StreamObserver<StreamMessageRequest> streamChannel(StreamObserver<StreamMessageResponse> out) {
      return new StreamObserver<>() {
        Stream me;

        @Override
        public void onNext(StreamMessageRequest r) {
          synchronized (lock) {
            if (r.hasArbitration()) {
              if (me != null) {
                streams.remove(me);
              }
              me = new Stream(out, r.getArbitration().getDeviceId(), r.getArbitration().getElectionId());
              streams.add(me);
              elect();
            } else if (r.hasPacket()) {
              packetsOut.add(r.getPacket());
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          gone();
        }

        @Override
        public void onCompleted() {
          gone();
          out.onCompleted();
        }

        private void gone() {
          synchronized (lock) {
            if (me != null && streams.remove(me)) {
              elect();
            }
          }
        }
      };
    }

    @Override
    public void setForwardingPipelineConfig(SetForwardingPipelineConfigRequest r,
        StreamObserver<SetForwardingPipelineConfigResponse> out) {
      synchronized (lock) {
        if (!r.getElectionId().equals(primaryId)) {
          out.onError(Status.PERMISSION_DENIED.withDescription("not primary").asRuntimeException());
          return;
        }
        setPipelineCalls++;
        pipeline = r.getConfig();
        entries.clear();
        cloneSessions.clear();
      }
      out.onNext(SetForwardingPipelineConfigResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void getForwardingPipelineConfig(GetForwardingPipelineConfigRequest r,
        StreamObserver<GetForwardingPipelineConfigResponse> out) {
      synchronized (lock) {
        if (pipeline == null) {
          out.onError(Status.FAILED_PRECONDITION.withDescription("no pipeline").asRuntimeException());
          return;
        }
        out.onNext(GetForwardingPipelineConfigResponse.newBuilder().setConfig(ForwardingPipelineConfig.newBuilder()
            .setCookie(pipeline.getCookie())).build());
      }
      out.onCompleted();
    }

    @Override
    public void write(WriteRequest r, StreamObserver<WriteResponse> out) {
      if (r.getUpdatesCount() == 1 && r.getUpdates(0).getEntity().hasPacketReplicationEngineEntry()) {
        writeCloneSession(r.getUpdates(0), out); // the controller's setup, not counted with the table writes
        return;
      }
      writeCalls++;
      if (stallWrites) {
        stalled.add(out);
        return;
      }
      List<Error> errors = new ArrayList<>();
      boolean failed = false;
      synchronized (lock) {
        if (!r.getElectionId().equals(primaryId)) {
          out.onError(Status.PERMISSION_DENIED.withDescription("not primary").asRuntimeException());
          return;
        }
        if (pipeline == null) {
          out.onError(Status.FAILED_PRECONDITION.withDescription("no pipeline").asRuntimeException());
          return;
        }
        for (Update u : r.getUpdatesList()) {
          TableEntry e = u.getEntity().getTableEntry();
          ByteString k = key(e);
          Status.Code code = Status.Code.OK;
          String msg = "";
          switch (u.getType()) {
            case INSERT -> {
              if (entries.containsKey(k)) {
                code = Status.Code.ALREADY_EXISTS;
                msg = "entry exists";
              } else {
                entries.put(k, e);
              }
            }
            case MODIFY -> {
              if (!entries.containsKey(k)) {
                code = Status.Code.NOT_FOUND;
                msg = "no such entry";
              } else {
                entries.put(k, e);
              }
            }
            case DELETE -> {
              if (entries.remove(k) == null) {
                code = Status.Code.NOT_FOUND;
                msg = "no such entry";
              }
            }
            default -> {
              code = Status.Code.INVALID_ARGUMENT;
              msg = "bad update type";
            }
          }
          failed |= code != Status.Code.OK;
          errors.add(Error.newBuilder().setCanonicalCode(code.value()).setMessage(msg).build());
        }
      }
      if (failed) {
        out.onError(StatusProto.toStatusRuntimeException(
            WriteErrorCodec.statusWithDetails(Status.Code.UNKNOWN.value(), "write failed", errors)));
      } else {
        out.onNext(WriteResponse.getDefaultInstance());
        out.onCompleted();
      }
    }

    private void writeCloneSession(Update u, StreamObserver<WriteResponse> out) {
      var session = u.getEntity().getPacketReplicationEngineEntry().getCloneSessionEntry();
      Status.Code code;
      synchronized (lock) {
        boolean exists = cloneSessions.containsKey(session.getSessionId());
        code = switch (u.getType()) {
          case INSERT -> exists ? Status.Code.ALREADY_EXISTS : Status.Code.OK;
          case MODIFY -> exists ? Status.Code.OK : Status.Code.NOT_FOUND;
          default -> Status.Code.INVALID_ARGUMENT;
        };
        if (code == Status.Code.OK) {
          cloneSessions.put(session.getSessionId(), session);
        }
      }
      if (code == Status.Code.OK) {
        out.onNext(WriteResponse.getDefaultInstance());
        out.onCompleted();
      } else {
        out.onError(StatusProto.toStatusRuntimeException(WriteErrorCodec.statusWithDetails(Status.Code.UNKNOWN.value(),
            "write failed", List.of(Error.newBuilder().setCanonicalCode(code.value()).build()))));
      }
    }

    @Override
    public void read(ReadRequest r, StreamObserver<ReadResponse> out) {
      ReadResponse.Builder resp = ReadResponse.newBuilder();
      synchronized (lock) {
        for (Entity q : r.getEntitiesList()) {
          int table = q.getTableEntry().getTableId();
          for (TableEntry e : entries.values()) {
            if (table == 0 || e.getTableId() == table) {
              TableEntry.Builder b = e.toBuilder();
              if (q.getTableEntry().hasCounterData()) {
                b.setCounterData(CounterData.newBuilder().setPacketCount(7).setByteCount(700));
              }
              resp.addEntities(Entity.newBuilder().setTableEntry(b));
            }
          }
        }
      }
      out.onNext(resp.build());
      out.onCompleted();
    }
  }
}
