package org.nftoffload.softswitch.p4runtime;

import io.grpc.Status;

/**
 * A request (or one update of a batch) the server refuses, with the canonical gRPC code the P4Runtime spec
 * assigns and a message naming the field at fault. Caught at the edge of the service and turned into a gRPC
 * status or a per-update {@code p4.v1.Error}.
 */
public final class P4RuntimeException extends Exception {

  private final Status.Code code;

  public P4RuntimeException(Status.Code code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public Status.Code code() {
    return code;
  }

  static P4RuntimeException invalid(String message) {
    return new P4RuntimeException(Status.Code.INVALID_ARGUMENT, message);
  }

  /** As a gRPC status. */
  public Status status() {
    return Status.fromCode(code).withDescription(getMessage());
  }
}
