package org.nftoffload.p4runtime;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.WriteResponse;

/**
 * Batched writes: splits updates into {@code Write} calls of the configured size, keeps at most the configured
 * number in flight per device (a queue shared by all callers), encodes each call's request straight to bytes with
 * {@link WriteRequestEncoder} when it is dispatched, and gathers per-update results in request order.
 */
final class GrpcWriter implements WriteClient {

  /** {@code P4Runtime/Write} with the request already serialised: the encoder writes wire bytes directly. */
  static final MethodDescriptor<byte[], WriteResponse> WRITE_BYTES = MethodDescriptor.<byte[], WriteResponse>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(P4RuntimeGrpc.getWriteMethod().getFullMethodName())
      .setRequestMarshaller(RawWrite.BYTES)
      .setResponseMarshaller(ProtoUtils.marshaller(WriteResponse.getDefaultInstance()))
      .build();

  private final Channel channel;
  private final ClientConfig config;
  private final P4InfoIndex index;
  private final EncoderPool encoders;
  private final java.util.concurrent.Executor encodeExecutor;
  private final ArrayDeque<Batch> queue = new ArrayDeque<>();
  private int inFlight;

  private final Election election;

  GrpcWriter(Channel channel, ClientConfig config, P4InfoIndex index, Election election,
      java.util.concurrent.Executor encodeExecutor) {
    this.channel = channel;
    this.election = election;
    this.config = config;
    this.index = index;
    this.encoders = new EncoderPool(index);
    this.encodeExecutor = encodeExecutor;
  }

  /** One write() call: its results, filled in by batch as calls complete. */
  private static final class Job {
    final List<TableUpdate> updates;
    final List<byte[]> canonical; // null, or the canonical bytes of each update's entry
    final UpdateResult[] results;
    final CompletableFuture<WriteResult> future = new CompletableFuture<>();
    int pendingBatches;

    Job(List<TableUpdate> updates, List<byte[]> canonical, int batches) {
      this.updates = updates;
      this.canonical = canonical;
      this.results = new UpdateResult[updates.size()];
      this.pendingBatches = batches;
    }

    synchronized void complete(int from, List<UpdateResult> rs) {
      for (int i = 0; i < rs.size(); i++) {
        results[from + i] = rs.get(i);
      }
      if (--pendingBatches == 0) {
        future.complete(new WriteResult(List.of(results)));
      }
    }
  }

  private record Batch(Job job, int from, int to) {}

  @Override
  public CompletableFuture<WriteResult> write(List<TableUpdate> updates) {
    return write(updates, null);
  }

  @Override
  public CompletableFuture<WriteResult> writeCanonical(List<TableUpdate> updates, List<byte[]> canonical) {
    if (canonical.size() != updates.size()) {
      throw new IllegalArgumentException(updates.size() + " updates but " + canonical.size() + " encoded entries");
    }
    return write(updates, java.util.Arrays.asList(canonical.toArray(new byte[0][]))); // a copy; null: encode here
  }

  private CompletableFuture<WriteResult> write(List<TableUpdate> updates, List<byte[]> canonical) {
    List<TableUpdate> copy = List.copyOf(updates);
    int size = config.writeBatchSize();
    int batches = (copy.size() + size - 1) / size;
    Job job = new Job(copy, canonical, batches);
    if (batches == 0) {
      job.future.complete(new WriteResult(List.of()));
      return job.future;
    }
    synchronized (queue) {
      for (int from = 0; from < copy.size(); from += size) {
        queue.add(new Batch(job, from, Math.min(copy.size(), from + size)));
      }
    }
    pump(true);
    return job.future;
  }

  /**
   * Dispatches queued batches while fewer than the limit are in flight. From {@link #write} ({@code fromWrite}), a
   * batch whose entries all come as canonical bytes is sent on the calling thread: assembling it is a copy, and a
   * hand-off to the encode executor costs more than that (a thread wake-up per write at low rates). Batches
   * dispatched as others complete always go through the executor, so a chain of completions never recurses.
   */
  private void pump(boolean fromWrite) {
    while (true) {
      Batch next;
      synchronized (queue) {
        if (inFlight >= config.batchesInFlight() || queue.isEmpty()) {
          return;
        }
        next = queue.poll();
        inFlight++;
      }
      if (fromWrite && preEncoded(next)) {
        dispatch(next);
      } else {
        // Encoding is CPU work: it runs on the encode executor, so write() returns at once and batches in flight
        // are encoded in parallel on all cores.
        encodeExecutor.execute(() -> dispatch(next));
      }
    }
  }

  private static boolean preEncoded(Batch b) {
    for (int i = b.from; i < b.to; i++) {
      if ((b.job.canonical == null || b.job.canonical.get(i) == null) && b.job.updates.get(i).canonical() == null) {
        return false;
      }
    }
    return true;
  }

  private void dispatch(Batch b) {
    try {
      encodeAndSend(b);
    } catch (RuntimeException e) {
      List<UpdateResult> failed = new ArrayList<>(b.to - b.from);
      for (int i = b.from; i < b.to; i++) {
        failed.add(new UpdateResult(b.job.updates.get(i), RpcCode.INTERNAL, "client: " + e));
      }
      finish(b, null, failed);
    }
  }

  private void encodeAndSend(Batch b) {
    WriteRequestEncoder encoder = encoders.borrow();
    try {
      encodeAndSend(b, encoder);
    } finally {
      encoders.giveBack(encoder);
    }
  }

  private void encodeAndSend(Batch b, WriteRequestEncoder encoder) {
    List<TableUpdate> updates = b.job.updates;
    byte[] request;
    List<UpdateResult> local = null;
    List<TableUpdate> sent = updates.subList(b.from, b.to);
    try {
      request = encoder.encode(updates, b.job.canonical, b.from, b.to, config.deviceId(), election.get(),
          config.roleId());
    } catch (CodecException e) {
      // Find the updates the P4Info cannot express, fail them locally and send the others.
      local = new ArrayList<>(b.to - b.from);
      List<TableUpdate> good = new ArrayList<>();
      for (int i = b.from; i < b.to; i++) {
        try {
          encoder.encode(updates, i, i + 1, config.deviceId(), election.get(), config.roleId());
          good.add(updates.get(i));
          local.add(null);
        } catch (CodecException bad) {
          local.add(new UpdateResult(updates.get(i), RpcCode.INVALID_ARGUMENT, bad.getMessage()
              .replaceFirst("^update 0 \\([A-Z]+\\): ", "")));
        }
      }
      sent = good;
      try {
        request = good.isEmpty() ? null : encoder.encode(good, 0, good.size(), config.deviceId(),
            election.get(), config.roleId());
      } catch (CodecException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
    final List<UpdateResult> localResults = local;
    final List<TableUpdate> sentUpdates = sent;
    if (request == null) {
      finish(b, localResults, List.of());
      return;
    }
    var call = channel.newCall(WRITE_BYTES, CallOptions.DEFAULT.withDeadlineAfter(
        config.rpcDeadline().toNanos(), TimeUnit.NANOSECONDS));
    Futures.addCallback(ClientCalls.futureUnaryCall(call, request), new FutureCallback<WriteResponse>() {
      @Override
      public void onSuccess(WriteResponse r) {
        finish(b, localResults, WriteErrorCodec.success(sentUpdates, 0, sentUpdates.size()));
      }

      @Override
      public void onFailure(Throwable t) {
        finish(b, localResults, WriteErrorCodec.failure(t, sentUpdates, 0, sentUpdates.size()));
      }
    }, MoreExecutors.directExecutor());
  }

  private void finish(Batch b, List<UpdateResult> local, List<UpdateResult> remote) {
    List<UpdateResult> merged;
    if (local == null) {
      merged = remote;
    } else {
      merged = new ArrayList<>(local.size());
      int r = 0;
      for (UpdateResult l : local) {
        merged.add(l != null ? l : remote.get(r++));
      }
    }
    synchronized (queue) {
      inFlight--;
    }
    b.job.complete(b.from, merged);
    pump(false);
  }
}
