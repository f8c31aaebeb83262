package org.nftoffload.softswitch;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.nftoffload.softswitch.pipeline.PacketSink;
import org.nftoffload.softswitch.pipeline.Pipeline;
import org.nftoffload.softswitch.pipeline.TableEntry;
import org.nftoffload.softswitch.port.Port;

/**
 * The switch's data plane: the pipeline, its ports and the lock that serialises frames and control-plane
 * changes, so a P4Runtime batch is applied atomically with respect to traffic. Frames produced under the lock are
 * sent after it is released.
 */
public final class SwitchDevice {

  /** Receives packet-ins: frames the pipeline sent to the CPU port. */
  @FunctionalInterface
  public interface PacketInListener {
    void packetIn(int ingressPort, int reason, byte[] frame);
  }

  // fair: under heavy traffic a control-plane write still gets its turn
  private final ReentrantLock lock = new ReentrantLock(true);
  private final Pipeline pipeline;
  private final InstantSource clock;
  private final Map<Integer, Port> ports = new ConcurrentHashMap<>();
  private volatile PacketInListener packetInListener = (port, reason, frame) -> { };
  private volatile boolean forwarding;

  public SwitchDevice(Pipeline pipeline, InstantSource clock) {
    this.pipeline = pipeline;
    this.clock = clock;
  }

  /** Nanoseconds of an instant on the switch clock. */
  public static long nanos(Instant i) {
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  public InstantSource clock() {
    return clock;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** Adds a port and starts receiving from it. */
  public void attach(Port port) {
    if (ports.putIfAbsent(port.number(), port) != null) {
      throw new IllegalArgumentException("port " + port.number() + " is already attached");
    }
    port.start(this::receive);
  }

  public Map<Integer, Port> ports() {
    return Map.copyOf(ports);
  }

  public void packetInListener(PacketInListener listener) {
    packetInListener = listener;
  }

  /** Frames are processed only while a pipeline is committed; before that they are dropped, as on a bare device. */
  public void forwarding(boolean on) {
    forwarding = on;
  }

  /** A frame arrived on a port. */
  public void receive(int port, byte[] frame) {
    if (!forwarding) {
      return;
    }
    Collector out = new Collector();
    lock.lock();
    try {
      pipeline.process(port, frame, out);
    } finally {
      lock.unlock();
    }
    out.deliver();
  }

  /** A packet_out from the controller. */
  public void packetOut(int egressPort, byte[] frame) {
    Collector out = new Collector();
    lock.lock();
    try {
      pipeline.packetOut(egressPort, frame, out);
    } finally {
      lock.unlock();
    }
    out.deliver();
  }

  /** Runs {@code work} with the data plane stopped. */
  public <T> T locked(Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  /** Flow entries whose idle timeout ran out (see {@link Pipeline#collectIdle()}). */
  public List<TableEntry> collectIdle() {
    return locked(pipeline::collectIdle);
  }

  /** Detaches and closes every port. */
  public void closePorts() {
    ports.values().forEach(Port::close);
    ports.clear();
  }

  /** Frames produced under the lock, sent once it is released. */
  private final class Collector implements PacketSink {
    /** A frame out of {@code port} (reason -1) or to the CPU from {@code port} with {@code reason}. */
    private record Output(int port, int reason, byte[] frame) {}

    private final List<Output> outputs = new ArrayList<>(2);

    @Override
    public void emit(int port, byte[] frame) {
      outputs.add(new Output(port, -1, frame));
    }

    @Override
    public void toCpu(int ingressPort, int reason, byte[] frame) {
      outputs.add(new Output(ingressPort, reason, frame));
    }

    void deliver() {
      for (Output o : outputs) {
        if (o.reason() < 0) {
          Port p = ports.get(o.port());
          if (p != null) {
            p.send(o.frame());
          }
        } else {
          packetInListener.packetIn(o.port(), o.reason(), o.frame());
        }
      }
    }
  }
}
