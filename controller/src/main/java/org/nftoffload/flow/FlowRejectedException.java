package org.nftoffload.flow;

/** A flow cannot be expressed as table entries (unknown interface, ports on two devices); the reason says why. */
public final class FlowRejectedException extends Exception {

  public FlowRejectedException(String message) {
    super(message);
  }
}
