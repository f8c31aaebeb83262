package org.nftoffload.softswitch.port;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A port with no wire: tests and embedding code inject frames with {@link #inject} and take what the switch sent
 * with {@link #poll}. Frames are delivered on the caller's thread.
 */
public final class InMemoryPort implements Port {

  private final int number;
  private final BlockingQueue<byte[]> transmitted = new LinkedBlockingQueue<>();
  private volatile Receiver receiver;

  public InMemoryPort(int number) {
    if (number < 0 || number >= 512) {
      throw new IllegalArgumentException("port " + number + " does not fit 9 bits");
    }
    this.number = number;
  }

  @Override
  public int number() {
    return number;
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public void start(Receiver r) {
    this.receiver = r;
  }

  /** A frame arrives on this port from its (imaginary) wire. */
  public void inject(byte[] frame) {
    Receiver r = receiver;
    if (r == null) {
      throw new IllegalStateException("port " + number + " is not attached to a switch");
    }
    r.receive(number, frame.clone());
  }

  @Override
  public void send(byte[] frame) {
    transmitted.add(frame);
  }

  /** The next frame the switch sent out of this port, or null after {@code timeout}. */
  public byte[] poll(Duration timeout) throws InterruptedException {
    return transmitted.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The next frame the switch sent, or null if none is waiting. */
  public byte[] poll() {
    return transmitted.poll();
  }

  @Override
  public void close() {
    receiver = null;
  }
}
