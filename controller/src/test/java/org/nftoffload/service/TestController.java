package org.nftoffload.service;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.nftoffload.agent.v1.AgentMessage;
import org.nftoffload.agent.v1.ControllerMessage;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.agent.v1.FlowAgentGrpc;
import org.nftoffload.agent.v1.FlowNotice;
import org.nftoffload.agent.v1.FlowEvent;
import org.nftoffload.agent.v1.FlowEvents;
import org.nftoffload.agent.v1.Hello;
import org.nftoffload.agent.v1.Nat;
import org.nftoffload.agent.v1.Path;
import org.nftoffload.agent.v1.Tuple;
import org.nftoffload.config.ConfigLoader;
import org.nftoffload.config.ControllerConfig;

/**
 * A whole controller for tests — embedded software switch, agent endpoint and REST API on ephemeral loopback
 * ports, tokens configured — with an HTTP client and a gRPC agent client to drive it.
 */
public final class TestController implements AutoCloseable {

  public static final String ADMIN = "admin-token";
  public static final String READER = "read-token";
  public static final String AGENT_TOKEN = "agent-token";

  public static final String CONFIG = """
      api: {port: 0, tokens: [{name: ops, token: admin-token, role: admin}, {name: view, token: read-token, role: read_only}]}
      agents: {port: 0, allowed: [{id: h1, token: agent-token}, {id: h2, token: agent-token}, {id: old, token: agent-token, revoked: true}]}
      devices: [{name: sw0, embedded: true, port: 0, ports: {p1: 1, p2: 2, p3: 3, p4: 4}}]
      interfaces:
        wan0: {device: sw0, port: p1}
        lan0: {device: sw0, port: p2}
        lan1: {device: sw0, port: p3}
        dmz0: {device: sw0, port: p4}
      flows: {resync_grace: 2s, activity_interval: 1h}
      """;

  public final Injector injector;
  public final Controller controller;
  public final Controller.Listening listening;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public TestController(String yaml, EmbeddedSwitches.PortSource ports) throws Exception {
    ControllerConfig config = new ConfigLoader().parse("test", yaml);
    injector = Guice.createInjector(new ControllerModule(config, ports));
    controller = injector.getInstance(Controller.class);
    listening = controller.start();
    for (int i = 0; i < 200 && !controller.ready(); i++) {
      Thread.sleep(50); // bounded wait for the device's arbitration over real gRPC
    }
    if (!controller.ready()) {
      throw new IllegalStateException("device not primary after 10 s");
    }
  }

  public TestController() throws Exception {
    this(CONFIG, EmbeddedSwitches.PortSource.NONE);
  }

  public HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening.api().getPort() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "text/plain");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws Exception {
    return call("GET", path, READER, null);
  }

  /**
   * A gRPC agent stream: what the controller sends arrives in {@link #received}, each notice of a FlowNotices batch
   * as a message of its own kind (VERDICT, ACTIVITY, REMOVED) unless the stream was opened raw.
   */
  public final class Agent implements AutoCloseable {
    public final BlockingQueue<ControllerMessage> received = new LinkedBlockingQueue<>();
    public final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    private final ManagedChannel channel;
    private final StreamObserver<AgentMessage> out;

    Agent(boolean raw) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", listening.agents().getPort()).usePlaintext().build();
      out = FlowAgentGrpc.newStub(channel).connect(new StreamObserver<>() {
        @Override
        public void onNext(ControllerMessage m) {
          if (raw || !m.hasNotices()) {
            received.add(m);
            return;
          }
          for (FlowNotice n : m.getNotices().getNoticesList()) {
            ControllerMessage.Builder one = ControllerMessage.newBuilder();
            switch (n.getKindCase()) {
              case VERDICT -> one.setVerdict(n.getVerdict());
              case ACTIVITY -> one.setActivity(n.getActivity());
              case REMOVED -> one.setRemoved(n.getRemoved());
              case KIND_NOT_SET -> throw new AssertionError("empty notice from the controller: " + m);
            }
            received.add(one.build());
          }
        }

        @Override
        public void onError(Throwable t) {
          errors.add(t);
        }

        @Override
        public void onCompleted() {}
      });
    }

    public synchronized void send(AgentMessage m) {
      out.onNext(m);
    }

    public void hello(String id, String token) {
      send(AgentMessage.newBuilder().setHello(Hello.newBuilder().setAgentId(id).setToken(token).setHost("test")
          .setVersion("test")).build());
    }

    /** The next message of a kind, skipping others; fails after 10 s. */
    public ControllerMessage next(ControllerMessage.KindCase kind) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < end) {
        ControllerMessage m = received.poll(100, TimeUnit.MILLISECONDS);
        if (m != null && m.getKindCase() == kind) {
          return m;
        }
      }
      throw new AssertionError("no " + kind + " within 10 s");
    }

    @Override
    public void close() {
      try {
        out.onCompleted();
      } catch (RuntimeException e) {
        // stream already failed
      }
      channel.shutdownNow();
    }
  }

  public Agent agent() {
    return new Agent(false);
  }

  /** An agent stream that keeps FlowNotices batches as the controller sent them. */
  public Agent rawAgent() {
    return new Agent(true);
  }

  /** A masqueraded TCP connection lan0 → wan0 as an agent reports it. */
  public static FlowAdd masqueraded(long ctId, int hostOctet, int sport) throws Exception {
    byte[] host = InetAddress.getByName("192.168.1." + hostOctet).getAddress();
    byte[] server = InetAddress.getByName("203.0.113.5").getAddress();
    byte[] wan = InetAddress.getByName("198.51.100.1").getAddress();
    int natPort = 20000 + (int) (ctId % 40000);
    Tuple orig = Tuple.newBuilder().setSource(ByteString.copyFrom(host)).setDestination(ByteString.copyFrom(server))
        .setProtocol(6).setSourcePort(sport).setDestinationPort(443).build();
    Tuple reply = Tuple.newBuilder().setSource(ByteString.copyFrom(server)).setDestination(ByteString.copyFrom(wan))
        .setProtocol(6).setSourcePort(443).setDestinationPort(natPort).build();
    return FlowAdd.newBuilder().setConntrackId(ctId)
        .setOriginal(Path.newBuilder().setTuple(orig).setIngressIfname("lan0").setEgressIfname("wan0")
            .setSourceMac(mac(0x0101)).setDestinationMac(mac(0xfefe)))
        .setReply(Path.newBuilder().setTuple(reply).setIngressIfname("wan0").setEgressIfname("lan0")
            .setSourceMac(mac(0x0202)).setDestinationMac(mac(0x0a0a)))
        .setNat(Nat.newBuilder().setSource(true).setSourceAddress(ByteString.copyFrom(wan)).setSourcePort(natPort))
        .setTimeoutSeconds(432000).build();
  }

  /** One message carrying these adds as flow events. */
  public static AgentMessage events(FlowAdd... adds) {
    FlowEvents.Builder b = FlowEvents.newBuilder();
    for (FlowAdd a : adds) {
      b.addEvents(FlowEvent.newBuilder().setAdd(a));
    }
    return AgentMessage.newBuilder().setEvents(b).build();
  }

  static ByteString mac(int low) {
    return ByteString.copyFrom(new byte[] {2, 0, 0, 0, (byte) (low >> 8), (byte) low});
  }

  @Override
  public void close() {
    controller.close();
  }
}
