package org.nftoffload.p4runtime;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.Role;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.TableEntry;

/**
 * The {@code StreamChannel} of one device: sends arbitration on open, follows the device's arbitration updates
 * (primary, backup, primary again), delivers packet-in and idle-timeout notifications, sends packet-out, and when
 * the stream breaks reopens it after {@link Backoff} delays on the injected {@link Scheduler}, re-running
 * arbitration. A generation number makes callbacks of a stream that was replaced harmless.
 */
final class GrpcStream implements StreamClient {

  private static final Logger log = LoggerFactory.getLogger(GrpcStream.class);

  private final P4RuntimeGrpc.P4RuntimeStub stub;
  private final ClientConfig config;
  private final P4InfoIndex index;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final List<StreamListener> listeners = new CopyOnWriteArrayList<>();

  private volatile Mastership mastership;
  // Guarded by this.
  private StreamObserver<StreamMessageRequest> requests;
  private long generation;
  private int attempt;
  private boolean closed;
  private Scheduler.Task reconnect;
  private CompletableFuture<Mastership> firstAnswer;

  private final Election election;

  GrpcStream(P4RuntimeGrpc.P4RuntimeStub stub, ClientConfig config, P4InfoIndex index, Scheduler scheduler,
      RandomGenerator random, Election election) {
    this.election = election;
    this.stub = stub;
    this.config = config;
    this.index = index;
    this.scheduler = scheduler;
    this.random = random;
    this.mastership = new Mastership(Mastership.State.DISCONNECTED, election.get(), Optional.empty());
  }

  @Override
  public synchronized CompletableFuture<Mastership> connect() {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
    }
    if (firstAnswer == null || firstAnswer.isCompletedExceptionally()) {
      firstAnswer = new CompletableFuture<>();
    }
    if (requests == null) {
      open();
    }
    return firstAnswer;
  }

  /** Opens a new stream and sends arbitration. Caller holds the lock. */
  private void open() {
    long gen = ++generation;
    reconnect = null;
    requests = stub.streamChannel(new Observer(gen));
    announce();
  }

  /** Sends arbitration with the current election id on the open stream. Caller holds the lock. */
  private void announce() {
    requests.onNext(StreamMessageRequest.newBuilder().setArbitration(MasterArbitrationUpdate.newBuilder()
        .setDeviceId(config.deviceId()).setElectionId(WriteRequestCodec.uint128(election.get()))
        .setRole(Role.newBuilder().setId(config.roleId()))).build());
  }

  @Override
  public synchronized CompletableFuture<Mastership> reannounce(ElectionId electionId) {
    election.set(electionId);
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
    }
    firstAnswer = new CompletableFuture<>();
    if (requests == null) {
      open();
    } else {
      announce();
    }
    return firstAnswer;
  }

  @Override
  public Mastership mastership() {
    return mastership;
  }

  @Override
  public void addListener(StreamListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(StreamListener listener) {
    listeners.remove(listener);
  }

  @Override
  public CompletableFuture<Void> packetOut(PiPacketOperation packet) {
    StreamMessageRequest msg;
    try {
      msg = StreamMessageRequest.newBuilder().setPacket(PacketCodec.encode(packet, index)).build();
    } catch (CodecException e) {
      return CompletableFuture.failedFuture(e);
    }
    synchronized (this) {
      if (requests == null) {
        return CompletableFuture.failedFuture(new IllegalStateException("device " + config.deviceId()
            + ": stream not connected"));
      }
      requests.onNext(msg);
    }
    return CompletableFuture.completedFuture(null);
  }

  void close() {
    StreamObserver<StreamMessageRequest> r;
    synchronized (this) {
      closed = true;
      if (reconnect != null) {
        reconnect.cancel();
      }
      r = requests;
      requests = null;
      generation++;
    }
    if (r instanceof ClientCallStreamObserver<StreamMessageRequest> call) {
      call.cancel("client closed", null);
    }
    setMastership(new Mastership(Mastership.State.DISCONNECTED, election.get(), Optional.empty()));
  }

  private void setMastership(Mastership m) {
    Mastership old = mastership;
    mastership = m;
    if (!m.equals(old)) {
      log.debug("device {}: mastership {}", config.deviceId(), m);
      listeners.forEach(l -> l.onMastership(m));
    }
  }

  private void broken(long gen, Throwable t) {
    CompletableFuture<Mastership> pending;
    synchronized (this) {
      if (gen != generation || closed) {
        return;
      }
      requests = null;
      Backoff b = config.backoff();
      var delay = b.delay(attempt++, random);
      log.info("device {}: stream down ({}), reconnecting in {} ms", config.deviceId(),
          t == null ? "closed by device" : io.grpc.Status.fromThrowable(t), delay.toMillis());
      reconnect = scheduler.schedule(delay, this::reopen);
      pending = firstAnswer;
    }
    setMastership(new Mastership(Mastership.State.DISCONNECTED, election.get(), Optional.empty()));
    if (pending != null && !pending.isDone()) {
      pending.completeExceptionally(t != null ? new DeviceException(config.deviceId(), "stream", t)
          : new IllegalStateException("device " + config.deviceId() + ": stream closed"));
    }
  }

  private synchronized void reopen() {
    if (!closed && requests == null) {
      open();
    }
  }

  private final class Observer implements StreamObserver<StreamMessageResponse> {
    private final long gen;

    Observer(long gen) {
      this.gen = gen;
    }

    @Override
    public void onNext(StreamMessageResponse r) {
      synchronized (GrpcStream.this) {
        if (gen != generation) {
          return;
        }
      }
      switch (r.getUpdateCase()) {
        case ARBITRATION -> arbitration(r.getArbitration());
        case PACKET -> {
          try {
            PiPacketOperation p = PacketCodec.decode(r.getPacket(), index);
            listeners.forEach(l -> l.onPacketIn(p));
          } catch (CodecException e) {
            log.warn("device {}: undecodable packet_in: {}", config.deviceId(), e.getMessage());
          }
        }
        case IDLE_TIMEOUT_NOTIFICATION -> {
          List<PiTableEntry> entries = new ArrayList<>();
          for (TableEntry e : r.getIdleTimeoutNotification().getTableEntryList()) {
            try {
              entries.add(TableEntryCodec.decode(e, index));
            } catch (CodecException ex) {
              log.warn("device {}: undecodable idle timeout entry: {}", config.deviceId(), ex.getMessage());
            }
          }
          if (!entries.isEmpty()) {
            List<PiTableEntry> copy = List.copyOf(entries);
            listeners.forEach(l -> l.onIdleTimeout(copy));
          }
        }
        case ERROR -> listeners.forEach(l -> l.onStreamError(RpcCode.of(r.getError().getCanonicalCode()),
            r.getError().getMessage()));
        default -> log.debug("device {}: ignoring stream message {}", config.deviceId(), r.getUpdateCase());
      }
    }

    private void arbitration(MasterArbitrationUpdate a) {
      int code = a.getStatus().getCode();
      boolean primary = code == io.grpc.Status.Code.OK.value();
      ElectionId reported = a.hasElectionId()
          ? new ElectionId(a.getElectionId().getHigh(), a.getElectionId().getLow()) : null;
      // ALREADY_EXISTS: someone else is primary (the reported id is theirs); NOT_FOUND: nobody is primary and the
      // reported id is the highest the device has seen, which a new primary must reach.
      Optional<ElectionId> primaryId = primary ? Optional.of(election.get())
          : code == io.grpc.Status.Code.ALREADY_EXISTS.value() ? Optional.ofNullable(reported) : Optional.empty();
      Mastership m = new Mastership(primary ? Mastership.State.PRIMARY : Mastership.State.BACKUP, election.get(),
          primaryId);
      CompletableFuture<Mastership> pending;
      synchronized (GrpcStream.this) {
        attempt = 0;
        pending = firstAnswer;
      }
      setMastership(m);
      // An answer to our latest announcement says we are primary or reports an id at least ours; anything else
      // is a notice the device sent before it saw the announcement.
      if (pending != null && (primary || (reported != null && reported.compareTo(election.get()) >= 0))) {
        pending.complete(m);
      }
    }

    @Override
    public void onError(Throwable t) {
      broken(gen, t);
    }

    @Override
    public void onCompleted() {
      broken(gen, null);
    }
  }
}
