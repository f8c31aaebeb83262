package org.nftoffload.p4runtime;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.CounterData;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.TableEntry;

/** Reads a table's entries with their direct counters ({@code Read} is server-streaming; all parts are gathered). */
final class GrpcReader implements ReadClient {

  private final P4RuntimeGrpc.P4RuntimeStub stub;
  private final ClientConfig config;
  private final P4InfoIndex index;
  private final EncoderPool encoders;

  GrpcReader(P4RuntimeGrpc.P4RuntimeStub stub, ClientConfig config, P4InfoIndex index) {
    this.stub = stub;
    this.config = config;
    this.index = index;
    this.encoders = new EncoderPool(index);
  }

  @Override
  public CompletableFuture<List<PiTableEntry>> readTableEntries(PiTableId table) {
    CompletableFuture<List<PiTableEntry>> out = new CompletableFuture<>();
    P4InfoIndex.TableInfo info;
    try {
      info = index.table(table.id());
    } catch (CodecException e) {
      out.completeExceptionally(e);
      return out;
    }
    TableEntry.Builder query = TableEntry.newBuilder().setTableId(info.id());
    if (info.hasDirectCounter()) {
      query.setCounterData(CounterData.getDefaultInstance());
    }
    ReadRequest request = ReadRequest.newBuilder().setDeviceId(config.deviceId())
        .addEntities(Entity.newBuilder().setTableEntry(query)).build();
    List<PiTableEntry> entries = new ArrayList<>();
    stub.withDeadlineAfter(config.rpcDeadline().toNanos(), TimeUnit.NANOSECONDS).read(request,
        new StreamObserver<>() {
          @Override
          public void onNext(ReadResponse r) {
            try {
              for (Entity e : r.getEntitiesList()) {
                if (e.hasTableEntry()) {
                  entries.add(TableEntryCodec.decode(e.getTableEntry(), index));
                }
              }
            } catch (CodecException e) {
              out.completeExceptionally(new CodecException("device " + config.deviceId() + " read of "
                  + info.name() + ": " + e.getMessage()));
            }
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(new DeviceException(config.deviceId(), "read " + info.name(), t));
          }

          @Override
          public void onCompleted() {
            out.complete(List.copyOf(entries));
          }
        });
    return out;
  }

  @Override
  public PiTableEntry canonical(PiTableEntry entry) throws CodecException {
    return decode(canonicalBytes(entry));
  }

  @Override
  public byte[] canonicalBytes(PiTableEntry entry) throws CodecException {
    WriteRequestEncoder e = encoders.borrow();
    try {
      return e.encodeEntry(entry);
    } finally {
      encoders.giveBack(e);
    }
  }

  @Override
  public PiTableEntry decode(byte[] canonicalBytes) throws CodecException {
    try {
      return TableEntryCodec.decode(TableEntry.parseFrom(canonicalBytes), index);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new CodecException("not a table entry: " + e.getMessage());
    }
  }
}
