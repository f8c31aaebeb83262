package org.nftoffload.agent.representor;

/**
 * Where the frames the kernel transmits on a representor go: towards the controller, which sends each as a
 * P4Runtime packet_out on the representor's switch port. Called on the representor reader thread.
 */
@FunctionalInterface
public interface PacketOutSink {
    /** Hands over one frame for {@code port} of {@code device}; false when it was dropped (no stream, flow control). */
    boolean packetOut(String device, int port, byte[] frame);
}
