package org.nftoffload.p4runtime;

/**
 * The canonical status codes of gRPC and google.rpc (the same numbers), so that callers outside this package can
 * tell "already exists" from "not found" without seeing gRPC types.
 */
public enum RpcCode {
  OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
  RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS,
  UNAUTHENTICATED;

  /** The code for a canonical number; numbers outside the table map to {@link #UNKNOWN}. */
  public static RpcCode of(int number) {
    RpcCode[] all = values();
    return number >= 0 && number < all.length ? all[number] : UNKNOWN;
  }
}
