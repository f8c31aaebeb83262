package org.nftoffload.p4runtime;

import io.grpc.ManagedChannel;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.v1.P4RuntimeGrpc;

/** A {@link P4RuntimeClient} over one gRPC channel, delegating to its four parts. */
final class GrpcP4RuntimeClient implements P4RuntimeClient {

  private final ClientConfig config;
  private final ManagedChannel channel;
  private final GrpcPipelineConfig pipeline;
  private final GrpcWriter writer;
  private final GrpcReader reader;
  private final GrpcStream stream;

  GrpcP4RuntimeClient(ClientConfig config, P4InfoIndex index, Scheduler scheduler, RandomGenerator random,
      java.util.concurrent.Executor encodeExecutor) {
    this.config = config;
    this.channel = Channels.open(config);
    Election election = new Election(config.electionId());
    this.pipeline = new GrpcPipelineConfig(P4RuntimeGrpc.newFutureStub(channel), config, index, election);
    this.writer = new GrpcWriter(channel, config, index, election, encodeExecutor);
    this.reader = new GrpcReader(P4RuntimeGrpc.newStub(channel), config, index);
    this.stream = new GrpcStream(P4RuntimeGrpc.newStub(channel), config, index, scheduler, random, election);
  }

  @Override
  public ClientConfig config() {
    return config;
  }

  @Override
  public CompletableFuture<Void> setPipelineConfig(byte[] deviceConfig, long cookie) {
    return pipeline.setPipelineConfig(deviceConfig, cookie);
  }

  @Override
  public CompletableFuture<OptionalLong> pipelineCookie() {
    return pipeline.pipelineCookie();
  }

  @Override
  public CompletableFuture<Void> cloneSession(int sessionId, int egressPort) {
    return pipeline.cloneSession(sessionId, egressPort);
  }

  @Override
  public CompletableFuture<WriteResult> write(List<TableUpdate> updates) {
    return writer.write(updates);
  }

  @Override
  public CompletableFuture<WriteResult> writeCanonical(List<TableUpdate> updates, List<byte[]> canonical) {
    return writer.writeCanonical(updates, canonical);
  }

  @Override
  public CompletableFuture<List<PiTableEntry>> readTableEntries(PiTableId table) {
    return reader.readTableEntries(table);
  }

  @Override
  public PiTableEntry canonical(PiTableEntry entry) throws CodecException {
    return reader.canonical(entry);
  }

  @Override
  public byte[] canonicalBytes(PiTableEntry entry) throws CodecException {
    return reader.canonicalBytes(entry);
  }

  @Override
  public PiTableEntry decode(byte[] canonicalBytes) throws CodecException {
    return reader.decode(canonicalBytes);
  }

  @Override
  public CompletableFuture<Mastership> connect() {
    return stream.connect();
  }

  @Override
  public CompletableFuture<Mastership> reannounce(ElectionId electionId) {
    return stream.reannounce(electionId);
  }

  @Override
  public Mastership mastership() {
    return stream.mastership();
  }

  @Override
  public void addListener(StreamListener listener) {
    stream.addListener(listener);
  }

  @Override
  public void removeListener(StreamListener listener) {
    stream.removeListener(listener);
  }

  @Override
  public CompletableFuture<Void> packetOut(PiPacketOperation packet) {
    return stream.packetOut(packet);
  }

  @Override
  public void close() {
    stream.close();
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
