package org.nftoffload.softswitch.port;

/**
 * A switch port: where frames enter the pipeline and leave it. Implementations: {@link InMemoryPort} for tests
 * and embedding, {@link RawSocketPort} for a Linux interface (AF_PACKET).
 */
public interface Port extends AutoCloseable {

  /** Receives the frames a port hands to the switch. */
  @FunctionalInterface
  interface Receiver {
    /** A frame arrived on port {@code port}; the receiver owns {@code frame}. */
    void receive(int port, byte[] frame);
  }

  /** The switch port number (0..511, never the CPU port). */
  int number();

  /** A name for logs and the start-up banner (interface name, or "memory"). */
  String describe();

  /** Starts delivering received frames to {@code receiver}. */
  void start(Receiver receiver);

  /** Sends a frame out of the port; frames that cannot be sent are dropped and counted by the port. */
  void send(byte[] frame);

  /** Stops receiving and releases the port. */
  @Override
  void close();
}
