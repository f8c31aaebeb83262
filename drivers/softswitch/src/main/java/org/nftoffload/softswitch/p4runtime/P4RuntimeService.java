package org.nftoffload.softswitch.p4runtime;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.softswitch.SwitchDevice;
import org.nftoffload.softswitch.pipeline.TableEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.CapabilitiesRequest;
import p4.v1.P4RuntimeOuterClass.CapabilitiesResponse;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.IdleTimeoutNotification;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketMetadata;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.PacketOutError;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.Role;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.StreamError;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;
import p4.v1.P4RuntimeOuterClass.WriteResponse;

/**
 * The P4Runtime v1.2 service of the software switch: capabilities, pipeline config (only the flowtable P4Info is
 * accepted), arbitration, batched writes with CONTINUE_ON_ERROR / ROLLBACK_ON_ERROR / DATAPLANE_ATOMIC and
 * per-update errors in {@code grpc-status-details-bin}, reads, and the stream channel (packet-out, packet-in,
 * idle-timeout notifications, stream errors).
 */
public final class P4RuntimeService extends P4RuntimeGrpc.P4RuntimeImplBase {

  /** The P4Runtime version this server implements. */
  public static final String API_VERSION = "1.2.0";
  private static final Logger log = LoggerFactory.getLogger(P4RuntimeService.class);
  private static final int READ_CHUNK = 1000;

  private final long deviceId;
  private final SwitchDevice device;
  private final P4Info expected;
  private final EntryCodec codec;
  private final EntityStore entities;
  private final Arbitration<Stream> arbitration = new Arbitration<>();
  private final Map<Stream, Boolean> streams = new ConcurrentHashMap<>();
  private final int packetInPortId;
  private final int packetInReasonId;
  private final int packetOutPortId;
  private final Object configLock = new Object();
  private final java.util.Queue<PendingWrite> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean combining = new java.util.concurrent.atomic.AtomicBoolean();
  /** Updates applied per hold of the data-plane lock at most (whole writes: one larger write still goes alone). */
  private static final int COMBINE_LIMIT = 4096;
  private ForwardingPipelineConfig saved;
  private volatile ForwardingPipelineConfig committed;

  /**
   * @param deviceId the P4Runtime device id clients must name
   * @param device the data plane
   * @param p4Info the flowtable P4Info, the only one accepted
   */
  public P4RuntimeService(long deviceId, SwitchDevice device, P4Info p4Info) {
    this.deviceId = deviceId;
    this.device = device;
    this.expected = p4Info;
    P4InfoIndex index = new P4InfoIndex(p4Info);
    this.codec = new EntryCodec(index);
    this.entities = new EntityStore(device.pipeline(), codec);
    this.packetInPortId = P4InfoIndex.metadataId(index.packetIn(), FlowtableP4.PacketIn.INGRESS_PORT.id().id());
    this.packetInReasonId = P4InfoIndex.metadataId(index.packetIn(), FlowtableP4.PacketIn.REASON.id().id());
    this.packetOutPortId = P4InfoIndex.metadataId(index.packetOut(), FlowtableP4.PacketOut.EGRESS_PORT.id().id());
    device.packetInListener(this::packetIn);
  }

  // ------------------------------------------------------------------------------------------ helpers

  private void checkDevice(long id) throws P4RuntimeException {
    if (id != deviceId) {
      throw new P4RuntimeException(Status.Code.NOT_FOUND, "unknown device id " + id + " (this is " + deviceId + ")");
    }
  }

  private void checkPrimary(long roleId, p4.v1.P4RuntimeOuterClass.Uint128 electionId) throws P4RuntimeException {
    if (!arbitration.isPrimary(roleId, Arbitration.ElectionId.of(electionId))) {
      throw new P4RuntimeException(Status.Code.PERMISSION_DENIED, "election id " + electionId.getHigh() + ":"
          + electionId.getLow() + " is not the primary of role " + roleId);
    }
  }

  private void checkCommitted() throws P4RuntimeException {
    if (committed == null) {
      throw new P4RuntimeException(Status.Code.FAILED_PRECONDITION, "no forwarding pipeline config committed");
    }
  }

  private static <T> void fail(StreamObserver<T> observer, P4RuntimeException e) {
    observer.onError(e.status().asRuntimeException());
  }

  // ------------------------------------------------------------------------------------------ RPCs

  @Override
  public void capabilities(CapabilitiesRequest request, StreamObserver<CapabilitiesResponse> out) {
    out.onNext(CapabilitiesResponse.newBuilder().setP4RuntimeApiVersion(API_VERSION).build());
    out.onCompleted();
  }

  @Override
  public void setForwardingPipelineConfig(SetForwardingPipelineConfigRequest request,
      StreamObserver<SetForwardingPipelineConfigResponse> out) {
    try {
      checkDevice(request.getDeviceId());
      checkPrimary(request.getRoleId(), request.getElectionId());
      synchronized (configLock) {
        switch (request.getAction()) {
          case VERIFY -> verify(request.getConfig());
          case VERIFY_AND_SAVE -> {
            verify(request.getConfig());
            saved = request.getConfig();
          }
          case VERIFY_AND_COMMIT -> {
            verify(request.getConfig());
            saved = null;
            commit(request.getConfig(), false);
          }
          case COMMIT -> {
            if (request.hasConfig()) {
              throw P4RuntimeException.invalid("COMMIT takes no config: it commits the one VERIFY_AND_SAVE saved");
            }
            if (saved == null) {
              throw new P4RuntimeException(Status.Code.NOT_FOUND, "COMMIT without a config saved by VERIFY_AND_SAVE");
            }
            ForwardingPipelineConfig s = saved;
            saved = null;
            commit(s, false);
          }
          case RECONCILE_AND_COMMIT -> {
            verify(request.getConfig());
            saved = null;
            commit(request.getConfig(), true);
          }
          default -> throw P4RuntimeException.invalid("SetForwardingPipelineConfig action not set");
        }
      }
      out.onNext(SetForwardingPipelineConfigResponse.getDefaultInstance());
      out.onCompleted();
    } catch (P4RuntimeException e) {
      fail(out, e);
    }
  }

  private void verify(ForwardingPipelineConfig config) throws P4RuntimeException {
    if (!config.hasP4Info()) {
      throw P4RuntimeException.invalid("the config has no P4Info");
    }
    List<String> diffs = P4InfoDiff.differences(expected, config.getP4Info());
    if (!diffs.isEmpty()) {
      throw P4RuntimeException.invalid("this switch runs only the flowtable pipeline; the P4Info differs: "
          + String.join("; ", diffs.subList(0, Math.min(10, diffs.size())))
          + (diffs.size() > 10 ? "; and " + (diffs.size() - 10) + " more" : ""));
    }
  }

  private void commit(ForwardingPipelineConfig config, boolean keepState) {
    device.locked(() -> {
      // the only pipeline there is stays the same: RECONCILE keeps the forwarding state, a COMMIT starts afresh
      if (!keepState || committed == null) {
        entities.reset();
      }
      committed = config;
      return null;
    });
    device.forwarding(true);
    log.info("forwarding pipeline committed (cookie {}, state {})", config.getCookie().getCookie(),
        keepState ? "kept" : "reset");
  }

  @Override
  public void getForwardingPipelineConfig(GetForwardingPipelineConfigRequest request,
      StreamObserver<GetForwardingPipelineConfigResponse> out) {
    try {
      checkDevice(request.getDeviceId());
      ForwardingPipelineConfig c = committed;
      GetForwardingPipelineConfigResponse.Builder response = GetForwardingPipelineConfigResponse.newBuilder();
      if (c != null) { // no config yet: the response's config stays unset, as the spec says
        ForwardingPipelineConfig.Builder b = ForwardingPipelineConfig.newBuilder().setCookie(c.getCookie());
        switch (request.getResponseType()) {
          case ALL -> b.setP4Info(c.getP4Info()).setP4DeviceConfig(c.getP4DeviceConfig());
          case P4INFO_AND_COOKIE -> b.setP4Info(c.getP4Info());
          case DEVICE_CONFIG_AND_COOKIE -> b.setP4DeviceConfig(c.getP4DeviceConfig());
          case COOKIE_ONLY -> { }
          default -> throw P4RuntimeException.invalid("unknown response_type");
        }
        response.setConfig(b);
      }
      out.onNext(response.build());
      out.onCompleted();
    } catch (P4RuntimeException e) {
      fail(out, e);
    }
  }

  @Override
  public void write(WriteRequest request, StreamObserver<WriteResponse> out) {
    try {
      checkDevice(request.getDeviceId());
      checkPrimary(request.getRoleId(), request.getElectionId());
      checkCommitted();
      WriteRequest.Atomicity atomicity = request.getAtomicity();
      if (atomicity == WriteRequest.Atomicity.UNRECOGNIZED) {
        throw P4RuntimeException.invalid("unknown atomicity");
      }
      List<Update> updates = request.getUpdatesList();
      // decoding and checking need no lock: concurrent writes do it in parallel, the lock only covers the tables
      EntityStore.Prepared[] prepared = entities.prepare(updates);
      pending.add(new PendingWrite(updates, prepared, atomicity == WriteRequest.Atomicity.CONTINUE_ON_ERROR, out));
      drainWrites();
    } catch (P4RuntimeException e) {
      fail(out, e);
    }
  }

  /** A write decoded and checked, waiting for the data-plane lock. */
  private record PendingWrite(List<Update> updates, EntityStore.Prepared[] prepared, boolean continueOnError,
      StreamObserver<WriteResponse> out) {}

  /**
   * Applies queued writes, several per hold of the data-plane lock (flat combining): the thread that finds no one
   * applying takes the lock for every write queued so far and answers them; the others return at once instead of
   * queueing on the lock, so concurrent writes cost one lock hand-off per round, not one each (and no thread
   * sleeps on it). Each write is still applied whole within one hold, so every batch stays data-plane atomic.
   */
  private void drainWrites() {
    while (!pending.isEmpty() && combining.compareAndSet(false, true)) {
      List<PendingWrite> writes = new ArrayList<>();
      List<Object> results = new ArrayList<>();
      try {
        device.locked(() -> {
          int updates = 0;
          PendingWrite w;
          // bounded, so frames get the lock between rounds of a long install
          while (updates < COMBINE_LIMIT && (w = pending.poll()) != null) {
            writes.add(w);
            results.add(applyWrite(w));
            updates += w.updates().size();
          }
          return null;
        });
      } finally {
        combining.set(false);
      }
      for (int i = 0; i < writes.size(); i++) {
        try {
          respond(writes.get(i).out(), results.get(i));
        } catch (RuntimeException e) { // e.g. a call cancelled meanwhile: the other writers still get answers
          log.debug("write response not sent: {}", e.toString());
        }
      }
    }
  }

  /** The per-update errors of one write, or the unexpected exception that stopped it. */
  private Object applyWrite(PendingWrite w) {
    try {
      return w.continueOnError() ? applyEach(w.updates(), w.prepared()) : applyAll(w.updates(), w.prepared());
    } catch (RuntimeException e) {
      log.error("write failed unexpectedly", e);
      return e;
    }
  }

  @SuppressWarnings("unchecked")
  private static void respond(StreamObserver<WriteResponse> out, Object result) {
    if (result instanceof RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription("write failed: " + e).asRuntimeException());
      return;
    }
    List<P4RuntimeException> errors = (List<P4RuntimeException>) result;
    for (P4RuntimeException e : errors) {
      if (e != null) {
        out.onError(batchError(errors, "updates"));
        return;
      }
    }
    out.onNext(WriteResponse.getDefaultInstance());
    out.onCompleted();
  }

  private List<P4RuntimeException> applyEach(List<Update> updates, EntityStore.Prepared[] prepared) {
    List<P4RuntimeException> errors = new ArrayList<>(updates.size());
    for (int i = 0; i < prepared.length; i++) {
      try {
        entities.apply(updates.get(i), prepared[i]);
        errors.add(null);
      } catch (P4RuntimeException e) {
        errors.add(e);
      }
    }
    return errors;
  }

  /** All or nothing: on the first failure every applied update is undone, in reverse order. */
  private List<P4RuntimeException> applyAll(List<Update> updates, EntityStore.Prepared[] prepared) {
    List<EntityStore.Undo> undos = new ArrayList<>(updates.size());
    for (int i = 0; i < updates.size(); i++) {
      try {
        undos.add(entities.apply(updates.get(i), prepared[i]));
      } catch (P4RuntimeException failed) {
        for (int k = undos.size() - 1; k >= 0; k--) {
          undos.get(k).undo();
        }
        List<P4RuntimeException> errors = new ArrayList<>(updates.size());
        for (int k = 0; k < updates.size(); k++) {
          errors.add(k == i ? failed : new P4RuntimeException(Status.Code.ABORTED, k < i
              ? "rolled back: update " + i + " of the batch failed" : "not applied: update " + i + " failed"));
        }
        return errors;
      }
    }
    return new ArrayList<>(java.util.Collections.nCopies(updates.size(), null));
  }

  /** The batch error of the spec: UNKNOWN, with one p4.v1.Error per update or request (OK where it succeeded). */
  private static StatusRuntimeException batchError(List<P4RuntimeException> errors, String what) {
    long failed = errors.stream().filter(e -> e != null).count();
    String first = errors.stream().filter(e -> e != null).findFirst().map(Throwable::getMessage).orElse("");
    com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setCode(Status.Code.UNKNOWN.value())
        .setMessage(failed + " of " + errors.size() + " " + what + " failed; first: " + first);
    for (P4RuntimeException e : errors) {
      p4.v1.P4RuntimeOuterClass.Error.Builder err = p4.v1.P4RuntimeOuterClass.Error.newBuilder();
      if (e != null) {
        err.setCanonicalCode(e.code().value()).setMessage(e.getMessage());
      }
      s.addDetails(Any.pack(err.build()));
    }
    return StatusProto.toStatusRuntimeException(s.build());
  }

  /**
   * Reads each requested entity under the data-plane lock. As the spec's batch processing says, the entities of
   * valid requests are returned, and if any request was invalid the RPC ends with UNKNOWN and one p4.v1.Error
   * per request (OK for the valid ones).
   */
  @Override
  public void read(ReadRequest request, StreamObserver<ReadResponse> out) {
    try {
      checkDevice(request.getDeviceId());
      checkCommitted();
    } catch (P4RuntimeException e) {
      fail(out, e);
      return;
    }
    List<P4RuntimeException> errors = new ArrayList<>();
    List<Entity> result = device.locked(() -> {
      List<Entity> all = new ArrayList<>();
      for (Entity e : request.getEntitiesList()) {
        try {
          all.addAll(entities.read(e));
          errors.add(null);
        } catch (P4RuntimeException ex) {
          errors.add(ex);
        }
      }
      return all;
    });
    for (int i = 0; i < result.size(); i += READ_CHUNK) {
      out.onNext(ReadResponse.newBuilder().addAllEntities(result.subList(i, Math.min(result.size(),
          i + READ_CHUNK))).build());
    }
    if (errors.stream().allMatch(e -> e == null)) {
      if (result.isEmpty()) {
        out.onNext(ReadResponse.getDefaultInstance());
      }
      out.onCompleted();
    } else {
      out.onError(batchError(errors, "requests"));
    }
  }

  // ------------------------------------------------------------------------------------------ stream channel

  /** One client's stream: the responses it is sent (serialised: gRPC observers are not thread-safe). */
  final class Stream {
    private final ServerCallStreamObserver<StreamMessageResponse> out;
    private boolean done;
    volatile boolean arbitrated;

    Stream(ServerCallStreamObserver<StreamMessageResponse> out) {
      this.out = out;
    }

    synchronized void send(StreamMessageResponse message) {
      if (!done && !out.isCancelled()) {
        try {
          out.onNext(message);
        } catch (RuntimeException e) {
          log.debug("stream send failed: {}", e.toString());
        }
      }
    }

    synchronized void close(Status status) {
      if (!done) {
        done = true;
        try {
          if (status.isOk()) {
            out.onCompleted();
          } else {
            out.onError(status.asRuntimeException());
          }
        } catch (RuntimeException e) {
          log.debug("stream close failed: {}", e.toString());
        }
      }
    }
  }

  @Override
  public StreamObserver<StreamMessageRequest> streamChannel(StreamObserver<StreamMessageResponse> responses) {
    Stream stream = new Stream((ServerCallStreamObserver<StreamMessageResponse>) responses);
    streams.put(stream, true);
    return new StreamObserver<>() {
      @Override
      public void onNext(StreamMessageRequest request) {
        switch (request.getUpdateCase()) {
          case ARBITRATION -> arbitrate(stream, request.getArbitration());
          case PACKET -> packetOut(stream, request.getPacket());
          default -> stream.send(StreamMessageResponse.newBuilder().setError(StreamError.newBuilder()
              .setCanonicalCode(Status.Code.UNIMPLEMENTED.value())
              .setMessage(request.getUpdateCase() + " is not supported")).build());
        }
      }

      @Override
      public void onError(Throwable t) {
        end(stream);
      }

      @Override
      public void onCompleted() {
        end(stream);
        stream.close(Status.OK);
      }
    };
  }

  private void end(Stream stream) {
    streams.remove(stream);
    send(arbitration.remove(stream));
  }

  private void arbitrate(Stream stream, MasterArbitrationUpdate update) {
    if (update.getDeviceId() != deviceId) {
      // a new stream naming another device: NOT_FOUND; a live one changing its device: FAILED_PRECONDITION
      stream.close((stream.arbitrated ? Status.FAILED_PRECONDITION : Status.NOT_FOUND)
          .withDescription("unknown device id " + update.getDeviceId() + " (this is " + deviceId + ")"));
      end(stream);
      return;
    }
    long roleId = update.hasRole() ? update.getRole().getId() : 0;
    try {
      List<Arbitration.Notice<Stream>> notices = arbitration.announce(stream, roleId,
          update.hasElectionId() ? Arbitration.ElectionId.of(update.getElectionId()) : null);
      stream.arbitrated = true;
      send(notices);
    } catch (P4RuntimeException e) {
      stream.close(e.status());
      end(stream);
    }
  }

  private void send(List<Arbitration.Notice<Stream>> notices) {
    for (Arbitration.Notice<Stream> n : notices) {
      MasterArbitrationUpdate.Builder m = MasterArbitrationUpdate.newBuilder().setDeviceId(deviceId);
      if (n.electionId() != null) {
        m.setElectionId(n.electionId().toProto()); // unset while the role never had a primary
      }
      if (n.roleId() != 0) {
        m.setRole(Role.newBuilder().setId(n.roleId()));
      }
      Status.Code code = n.primary() ? Status.Code.OK
          : n.primaryExists() ? Status.Code.ALREADY_EXISTS : Status.Code.NOT_FOUND;
      m.setStatus(com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(n.primary()
          ? "you are the primary" : n.primaryExists() ? "a primary exists" : "there is no primary"));
      n.stream().send(StreamMessageResponse.newBuilder().setArbitration(m).build());
    }
  }

  private void streamError(Stream stream, Status.Code code, String message, PacketOut packet) {
    stream.send(StreamMessageResponse.newBuilder().setError(StreamError.newBuilder()
        .setCanonicalCode(code.value()).setMessage(message)
        .setPacketOut(PacketOutError.newBuilder().setPacketOut(packet))).build());
  }

  private void packetOut(Stream stream, PacketOut packet) {
    if (!stream.arbitrated || !arbitration.isPrimary(stream)) {
      streamError(stream, Status.Code.PERMISSION_DENIED, "only the primary may send packet-out", packet);
      return;
    }
    if (committed == null) {
      streamError(stream, Status.Code.FAILED_PRECONDITION, "no forwarding pipeline config committed", packet);
      return;
    }
    Integer port = null;
    try {
      for (PacketMetadata m : packet.getMetadataList()) {
        var field = codec.index().packetOut().getMetadataList().stream().filter(f -> f.getId() == m.getMetadataId())
            .findFirst().orElseThrow(() -> P4RuntimeException.invalid("packet_out has no metadata id "
                + m.getMetadataId()));
        long v = Bytestrings.toLong(m.getValue(), field.getBitwidth(), "packet_out." + field.getName());
        if (m.getMetadataId() == packetOutPortId) {
          port = (int) v;
        }
      }
      if (port == null) {
        throw P4RuntimeException.invalid("packet_out without egress_port");
      }
    } catch (P4RuntimeException e) {
      streamError(stream, e.code(), e.getMessage(), packet);
      return;
    }
    device.packetOut(port, packet.getPayload().toByteArray());
  }

  private void packetIn(int ingressPort, int reason, byte[] frame) {
    if (committed == null) {
      return;
    }
    PacketIn.Builder p = PacketIn.newBuilder().setPayload(ByteString.copyFrom(frame));
    for (var field : codec.index().packetIn().getMetadataList()) {
      long value = field.getId() == packetInPortId ? ingressPort : field.getId() == packetInReasonId ? reason : 0;
      p.addMetadata(PacketMetadata.newBuilder().setMetadataId(field.getId())
          .setValue(Bytestrings.canonical(value)));
    }
    StreamMessageResponse message = StreamMessageResponse.newBuilder().setPacket(p).build();
    arbitration.primaries().forEach(s -> s.send(message));
  }

  /**
   * Sends one IdleTimeoutNotification for the entries that timed out (called by the switch's aging tick, so
   * notifications are batched per tick).
   */
  public void idleTimeout(List<TableEntry> idle) {
    if (idle.isEmpty() || committed == null) {
      return;
    }
    IdleTimeoutNotification.Builder n = IdleTimeoutNotification.newBuilder()
        .setTimestamp(SwitchDevice.nanos(device.clock().instant()));
    // under the lock: a flow entry's canonical form is rebuilt from fields a concurrent MODIFY may change
    n.addAllTableEntry(device.locked(() -> idle.stream().map(entities::source).toList()));
    StreamMessageResponse message = StreamMessageResponse.newBuilder().setIdleTimeoutNotification(n).build();
    arbitration.primaries().forEach(s -> s.send(message));
  }

  /** Ends every open stream (server shutdown). */
  public void closeStreams() {
    for (Stream s : List.copyOf(streams.keySet())) {
      s.close(Status.UNAVAILABLE.withDescription("switch stopping"));
    }
  }
}
