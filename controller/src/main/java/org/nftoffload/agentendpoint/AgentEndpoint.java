package org.nftoffload.agentendpoint;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowActivity;
import org.nftoffload.agent.v1.FlowAgentGrpc;
import org.nftoffload.agent.v1.FlowDelete;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowNotice;
import org.nftoffload.agent.v1.FlowNotices;
import org.nftoffload.agent.v1.FlowRemoved;
import org.nftoffload.agent.v1.FlowVerdict;
import org.nftoffload.agent.v1.Hello;
import org.nftoffload.agent.v1.HelloAck;
import org.nftoffload.agent.v1.OffloadPolicy;
import org.nftoffload.agent.v1.PacketOut;
import org.nftoffload.agent.v1.Representor;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.flow.AgentNotifier;
import org.nftoffload.flow.FlowId;
import org.nftoffload.flow.FlowManager;
import org.nftoffload.flow.FlowSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC endpoint kernel agents connect to ({@code FlowAgent.Connect}). The first message must be a Hello whose
 * agent id and token match the {@code agents.allowed} list (any agent when the list is empty, loopback only); an
 * unknown, revoked or wrong-token agent is refused with UNAUTHENTICATED / PERMISSION_DENIED and logged. Accepted
 * streams feed the {@link FlowManager}; verdicts, activity and removals go back on the stream of the agent that
 * reported the flow. A second stream from the same agent id replaces the first.
 */
public final class AgentEndpoint implements AgentNotifier, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentEndpoint.class);

  private static final Context.Key<Object> REMOTE = Context.key("remote");

  /** Most notices in one FlowNotices message (~60 bytes each): bounds the message and the agent's parse of it. */
  static final int NOTICES_PER_MESSAGE = 1024;

  private final ControllerConfig.Agents config;
  private final String controllerId;
  private final FlowManager flows;
  private final Clock clock;
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
  /** Sessions holding notices until the next {@link #flush}. */
  private final java.util.Set<Session> unflushed = ConcurrentHashMap.newKeySet();
  private final Counter refused;
  private volatile OffloadPolicy policy = OffloadPolicy.getDefaultInstance();
  private volatile Packets packets = Packets.NONE;
  private Server server;

  public AgentEndpoint(ControllerConfig.Agents config, String controllerId, FlowManager flows, Clock clock,
      MeterRegistry meters) {
    this.config = config;
    this.controllerId = controllerId;
    this.flows = flows;
    this.clock = clock;
    this.refused = Counter.builder("nftoffload.agents.refused").description("agent streams refused at Hello")
        .register(meters);
    Gauge.builder("nftoffload.agents.connected", sessions, ConcurrentHashMap::size)
        .description("agents with an open stream").register(meters);
  }

  /**
   * Receives agents' representor declarations (Hello) and the frames they relay (PacketOut): the slow-path packet
   * relay ({@code org.nftoffload.packetio}). The endpoint only passes them on.
   */
  public interface Packets {
    /**
     * An agent's stream was accepted; {@code sink} sends on that stream (e.g. PacketIn) until it is gone, and
     * answers false when it dropped the message because the stream's buffer is full (flow control).
     */
    void connected(String agent, List<Representor> representors, Predicate<ControllerMessage> sink);

    /** The stream that {@code sink} sends on is gone. */
    void disconnected(String agent, Predicate<ControllerMessage> sink);

    /** A frame the agent's kernel sent out of a representor. */
    void packetOut(String agent, PacketOut packet);

    Packets NONE = new Packets() {
      @Override
      public void connected(String agent, List<Representor> representors, Predicate<ControllerMessage> sink) {}

      @Override
      public void disconnected(String agent, Predicate<ControllerMessage> sink) {}

      @Override
      public void packetOut(String agent, PacketOut packet) {}
    };
  }

  /** Where representors and relayed packets go (set once at wiring; none by default). */
  public void packets(Packets next) {
    this.packets = next;
  }

  /** Starts listening; returns the bound address. */
  public synchronized InetSocketAddress start() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
        .addService(ServerInterceptors.intercept(new Service(), new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
              ServerCallHandler<Q, R> next) {
            Context c = Context.current().withValue(REMOTE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return Contexts.interceptCall(c, call, headers, next);
          }
        })).permitKeepAliveTime(10, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
        // Handlers only decode and queue (the flow manager, the packet relay and the stream sends never block), so
        // they run on the transport thread: a hand-off to an executor per message costs more than they do.
        .directExecutor()
        .build().start();
    return address();
  }

  public synchronized InetSocketAddress address() {
    return new InetSocketAddress(config.host(), server.getPort());
  }

  /** Connected agents, by id. */
  public List<AgentView> agents() {
    List<AgentView> out = new ArrayList<>();
    for (Session s : sessions.values()) {
      out.add(s.view());
    }
    out.sort(Comparator.comparing(AgentView::id));
    return out;
  }

  public Optional<AgentView> agent(String id) {
    Session s = sessions.get(id);
    return s == null ? Optional.empty() : Optional.of(s.view());
  }

  /** Sends the offload policy to every connected agent now, and to each agent that connects later. */
  public void policy(OffloadPolicy next) {
    this.policy = next;
    ControllerMessage m = ControllerMessage.newBuilder().setPolicy(next).build();
    sessions.values().forEach(s -> s.send(m));
  }

  public OffloadPolicy policy() {
    return policy;
  }

  @Override
  public void verdict(FlowId flow, long conntrackId, boolean offloaded, String reason) {
    notice(flow.agent(), FlowNotice.newBuilder().setVerdict(FlowVerdict.newBuilder()
        .setConntrackId(conntrackId).setZone(flow.zone()).setOriginal(FlowMessages.tuple(flow.original()))
        .setOffloaded(offloaded).setReason(reason == null ? "" : reason)).build());
  }

  @Override
  public void activity(FlowId flow, long conntrackId, Instant lastUsed, long packets, long bytes) {
    notice(flow.agent(), FlowNotice.newBuilder().setActivity(FlowActivity.newBuilder()
        .setConntrackId(conntrackId).setZone(flow.zone()).setOriginal(FlowMessages.tuple(flow.original()))
        .setLastUsedUnixMillis(lastUsed.toEpochMilli()).setPackets(packets).setBytes(bytes)).build());
  }

  @Override
  public void removed(FlowId flow, long conntrackId, String reason) {
    notice(flow.agent(), FlowNotice.newBuilder().setRemoved(FlowRemoved.newBuilder()
        .setConntrackId(conntrackId).setZone(flow.zone()).setOriginal(FlowMessages.tuple(flow.original()))
        .setReason(reason == null ? "" : reason)).build());
  }

  /** Sends every agent the notices held for it, as one FlowNotices message each. */
  @Override
  public void flush() {
    for (var it = unflushed.iterator(); it.hasNext(); ) {
      Session s = it.next();
      it.remove();
      s.sendNotices();
    }
  }

  private void notice(String agent, FlowNotice n) {
    Session s = sessions.get(agent);
    if (s != null && s.hold(n)) { // no stream: the agent resyncs when it is back and gets its verdicts then
      unflushed.add(s);
    }
  }

  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    sessions.values().forEach(s -> s.end(Status.UNAVAILABLE.withDescription("controller shutting down")));
    server.shutdown();
    try {
      if (!server.awaitTermination(3, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Why a Hello is refused, or empty when it is accepted. */
  Optional<Status> check(Hello hello) {
    if (hello.getAgentId().isBlank()) {
      return Optional.of(Status.INVALID_ARGUMENT.withDescription("Hello without agent_id"));
    }
    if (config.allowed().isEmpty()) {
      return Optional.empty();
    }
    Optional<ControllerConfig.AgentToken> known = config.agent(hello.getAgentId());
    if (known.isEmpty()) {
      return Optional.of(Status.UNAUTHENTICATED.withDescription("unknown agent '" + hello.getAgentId() + "'"));
    }
    if (!MessageDigest.isEqual(known.get().token().getBytes(StandardCharsets.UTF_8),
        hello.getToken().getBytes(StandardCharsets.UTF_8))) {
      return Optional.of(Status.UNAUTHENTICATED.withDescription("wrong token for agent '" + hello.getAgentId()
          + "'"));
    }
    if (known.get().revoked()) {
      return Optional.of(Status.PERMISSION_DENIED.withDescription("agent '" + hello.getAgentId()
          + "' is revoked"));
    }
    return Optional.empty();
  }

  private final class Service extends FlowAgentGrpc.FlowAgentImplBase {
    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> responses) {
      String remote = String.valueOf(REMOTE.get());
      return new Session((ServerCallStreamObserver<ControllerMessage>) responses, remote);
    }
  }

  /** One agent stream: waits for Hello, then feeds the flow manager. */
  private final class Session implements StreamObserver<AgentMessage> {
    private final ServerCallStreamObserver<ControllerMessage> out;
    private final String remote;
    private volatile Hello hello;
    private volatile Instant since;
    private volatile boolean ended;
    private long adds;
    private long deletes;
    private long resyncs;
    private long generation = -1;
    private final List<FlowSpec> resyncFlows = new ArrayList<>();
    private FlowNotices.Builder held; // guarded by this
    /** Relayed packets: dropped, like a full NIC queue drops, once about a megabyte waits for a slow agent. */
    private final Predicate<ControllerMessage> sink = this::offer;

    Session(ServerCallStreamObserver<ControllerMessage> out, String remote) {
      this.out = out;
      this.remote = remote;
      out.setOnCancelHandler(this::gone);
      out.setOnReadyThreshold(1 << 20);
    }

    AgentView view() {
      Hello h = hello;
      synchronized (this) {
        return new AgentView(h.getAgentId(), h.getHost(), h.getNamespace(), h.getVersion(), remote, since.toString(), adds,
            deletes, resyncs);
      }
    }

    /** Holds a notice for the next flush; true when this session has just started holding (it needs a flush). */
    synchronized boolean hold(FlowNotice n) {
      if (ended) {
        return false;
      }
      boolean first = held == null;
      if (first) {
        held = FlowNotices.newBuilder();
      }
      held.addNotices(n);
      if (held.getNoticesCount() >= NOTICES_PER_MESSAGE) {
        sendNotices();
        return false;
      }
      return first;
    }

    synchronized void sendNotices() {
      if (held != null && held.getNoticesCount() > 0) {
        FlowNotices batch = held.build();
        held = null;
        send(ControllerMessage.newBuilder().setNotices(batch).build());
      }
    }

    synchronized void send(ControllerMessage m) {
      if (!ended) {
        try {
          out.onNext(m);
        } catch (RuntimeException e) {
          ended = true;
          log.debug("agent stream send failed: {}", e.toString());
        }
      }
    }

    private boolean offer(ControllerMessage m) {
      if (!out.isReady()) {
        return false;
      }
      send(m);
      return true;
    }

    synchronized void end(Status status) {
      if (!ended) {
        ended = true;
        try {
          out.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
          log.debug("agent stream already closed: {}", e.toString());
        }
      }
    }

    @Override
    public void onNext(AgentMessage m) {
      if (hello == null) {
        if (!m.hasHello()) {
          refuse(Status.FAILED_PRECONDITION.withDescription("first message must be Hello"), "?");
          return;
        }
        Optional<Status> why = check(m.getHello());
        if (why.isPresent()) {
          refuse(why.get(), m.getHello().getAgentId());
          return;
        }
        hello = m.getHello();
        since = clock.instant();
        Session previous = sessions.put(hello.getAgentId(), this);
        if (previous != null && previous != this) {
          previous.end(Status.ABORTED.withDescription("replaced by a new stream from the same agent"));
        }
        log.info("agent '{}' connected from {} (host {}, namespace '{}', version {})", hello.getAgentId(), remote,
            hello.getHost(), hello.getNamespace(), hello.getVersion());
        send(ControllerMessage.newBuilder().setHelloAck(HelloAck.newBuilder().setControllerId(controllerId))
            .build());
        send(ControllerMessage.newBuilder().setPolicy(policy).build());
        packets.connected(hello.getAgentId(), hello.getRepresentorsList(), sink);
        return;
      }
      String agent = hello.getAgentId();
      switch (m.getKindCase()) {
        case EVENTS -> events(agent, m.getEvents().getEventsList());
        case RESYNC -> resync(agent, m.getResync());
        case PACKET_OUT -> packets.packetOut(agent, m.getPacketOut());
        case HELLO -> log.warn("agent '{}': second Hello ignored", agent);
        case KIND_NOT_SET -> log.warn("agent '{}': empty message ignored", agent);
      }
    }

    /** A FlowEvents message goes to the flow manager as one batch; malformed events are answered here. */
    private void events(String agent, List<FlowEvent> events) {
      List<FlowManager.Event> batch = new ArrayList<>(events.size());
      int added = 0;
      int deleted = 0;
      for (FlowEvent e : events) {
        switch (e.getKindCase()) {
          case ADD -> {
            added++;
            try {
              batch.add(new FlowManager.Event.Add(FlowMessages.spec(agent, e.getAdd())));
            } catch (IllegalArgumentException ex) {
              log.warn("agent '{}': bad FlowAdd: {}", agent, ex.getMessage());
              send(ControllerMessage.newBuilder().setNotices(FlowNotices.newBuilder().addNotices(FlowNotice
                  .newBuilder().setVerdict(FlowVerdict.newBuilder().setConntrackId(e.getAdd().getConntrackId())
                      .setZone(e.getAdd().getZone()).setOriginal(e.getAdd().getOriginal().getTuple())
                      .setOffloaded(false).setReason("malformed FlowAdd: " + ex.getMessage())))).build());
            }
          }
          case DELETE -> {
            deleted++;
            FlowDelete d = e.getDelete();
            try {
              batch.add(new FlowManager.Event.Delete(FlowMessages.id(agent, d.getZone(), d.getOriginal()),
                  d.getReason().name()));
            } catch (IllegalArgumentException ex) {
              log.warn("agent '{}': bad FlowDelete: {}", agent, ex.getMessage());
            }
          }
          case KIND_NOT_SET -> log.warn("agent '{}': empty flow event ignored", agent);
        }
      }
      synchronized (this) {
        adds += added;
        deletes += deleted;
      }
      flows.events(batch);
    }

    private void resync(String agent, org.nftoffload.agent.v1.Resync r) {
      List<FlowSpec> complete = null;
      synchronized (this) {
        if (r.getGeneration() != generation) {
          generation = r.getGeneration();
          resyncFlows.clear();
        }
        for (var add : r.getFlowsList()) {
          try {
            resyncFlows.add(FlowMessages.spec(agent, add));
          } catch (IllegalArgumentException e) {
            log.warn("agent '{}': bad flow in resync: {}", agent, e.getMessage());
          }
        }
        if (r.getLast()) {
          complete = List.copyOf(resyncFlows);
          resyncFlows.clear();
          resyncs++;
        }
      }
      if (complete != null) {
        log.info("agent '{}': resync of {} flows", agent, complete.size());
        flows.resync(agent, complete);
      }
    }

    private void refuse(Status status, String agent) {
      refused.increment();
      log.warn("agent '{}' from {} refused: {} {}", agent, remote, status.getCode(), status.getDescription());
      end(status);
    }

    @Override
    public void onError(Throwable t) {
      gone();
    }

    @Override
    public void onCompleted() {
      gone();
      synchronized (this) {
        if (!ended) {
          ended = true;
          out.onCompleted();
        }
      }
    }

    private void gone() {
      Hello h = hello;
      if (h != null) {
        packets.disconnected(h.getAgentId(), sink);
      }
      if (h != null && sessions.remove(h.getAgentId(), this)) {
        log.info("agent '{}' disconnected; its flows stay offloaded until it resyncs", h.getAgentId());
      }
      synchronized (this) {
        ended = true;
      }
    }
  }
}
