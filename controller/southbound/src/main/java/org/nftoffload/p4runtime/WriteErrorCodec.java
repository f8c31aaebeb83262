package org.nftoffload.p4runtime;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import p4.v1.P4RuntimeOuterClass.Error;

/**
 * The outcome of one {@code Write} call → one {@link UpdateResult} per update, in request order. On failure the
 * P4Runtime server puts a {@code google.rpc.Status} in the {@code grpc-status-details-bin} trailer whose details
 * are one {@code p4.v1.Error} per update (OK for the ones that were applied); when the trailer is missing or has
 * the wrong number of details, every update gets the call's own status.
 */
final class WriteErrorCodec {

  private WriteErrorCodec() {}

  static List<UpdateResult> success(List<TableUpdate> updates, int from, int to) {
    List<UpdateResult> out = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      out.add(new UpdateResult(updates.get(i), RpcCode.OK, ""));
    }
    return out;
  }

  static List<UpdateResult> failure(Throwable t, List<TableUpdate> updates, int from, int to) {
    Status status = Status.fromThrowable(t);
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    int n = to - from;
    List<UpdateResult> out = new ArrayList<>(n);
    if (details != null && details.getDetailsCount() == n) {
      try {
        for (int i = 0; i < n; i++) {
          Any any = details.getDetails(i);
          Error e = any.unpack(Error.class);
          out.add(new UpdateResult(updates.get(from + i), RpcCode.of(e.getCanonicalCode()), e.getMessage()));
        }
        return out;
      } catch (InvalidProtocolBufferException e) {
        out.clear(); // not p4.v1.Error details: fall through to the call status
      }
    }
    String message = status.getDescription() != null ? status.getDescription() : status.getCode().name();
    if (status.getCause() != null && status.getDescription() == null) {
      message = status.getCause().toString();
    }
    for (int i = from; i < to; i++) {
      out.add(new UpdateResult(updates.get(i), RpcCode.of(status.getCode().value()), message));
    }
    return out;
  }

  /** Builds the trailer a server sends; used by test servers and the benchmark's no-op server. */
  static com.google.rpc.Status statusWithDetails(int code, String message, List<Error> errors) {
    com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder().setCode(code).setMessage(message);
    errors.forEach(e -> b.addDetails(Any.pack(e)));
    return b.build();
  }
}
