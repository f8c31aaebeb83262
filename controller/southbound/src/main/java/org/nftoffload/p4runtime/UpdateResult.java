package org.nftoffload.p4runtime;

import java.util.Objects;

/**
 * What the device said about one update of a write: {@link RpcCode#OK}, or the per-update error decoded from the
 * {@code grpc-status-details-bin} trailer (its canonical code and message), or the whole call's status when the
 * device sent no per-update details (for example when the call never reached it).
 *
 * @param update the update this result is for
 * @param code the outcome
 * @param message the device's message; empty on success
 */
public record UpdateResult(TableUpdate update, RpcCode code, String message) {

  public UpdateResult {
    Objects.requireNonNull(update, "update");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public boolean ok() {
    return code == RpcCode.OK;
  }

  @Override
  public String toString() {
    return ok() ? update.type() + " OK" : update.type() + " " + code + " (" + message + "): " + update.entry();
  }
}
