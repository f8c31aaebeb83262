package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nftoffload.p4.FlowtableP4;
import org.nftoffload.p4.FlowtableP4.FlowV4;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketMetadata;

/** The client over real gRPC on 127.0.0.1 against {@link FakeDevice}. */
class P4RuntimeClientTest {

  private FakeDevice device;
  private final List<P4RuntimeClient> clients = new ArrayList<>();
  private final ManualScheduler scheduler = new ManualScheduler();

  @BeforeEach
  void start() {
    device = FakeDevice.start();
  }

  @AfterEach
  void stop() {
    clients.forEach(P4RuntimeClient::close);
    device.close();
  }

  private P4RuntimeClient client(long electionId, int batchSize, int inFlight) {
    ClientConfig c = ClientConfig.of("127.0.0.1", device.port(), 1).withElectionId(ElectionId.of(electionId))
        .withBatching(batchSize, inFlight).withRpcDeadline(Duration.ofSeconds(5));
    P4RuntimeClient client = P4RuntimeClient.create(c, TestP4Info.get(), scheduler, new SplittableRandom(1));
    clients.add(client);
    return client;
  }

  private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  /** Polls a condition set by gRPC threads; bounded in count and time. */
  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  private P4RuntimeClient primaryWithPipeline(int batchSize, int inFlight) throws Exception {
    P4RuntimeClient c = client(10, batchSize, inFlight);
    assertTrue(get(c.connect()).isPrimary());
    get(c.setPipelineConfig(new byte[] {1, 2, 3}, 42));
    return c;
  }

  @Test
  void higherElectionIdWinsAndBackupRegainsPrimaryWithAHigherId() throws Exception {
    P4RuntimeClient low = client(5, 16, 1);
    P4RuntimeClient high = client(9, 16, 1);
    List<Mastership> lowSeen = new CopyOnWriteArrayList<>();
    low.addListener(new StreamListener() {
      @Override
      public void onMastership(Mastership m) {
        lowSeen.add(m);
      }
    });
    assertTrue(get(low.connect()).isPrimary());
    Mastership h = get(high.connect());
    assertTrue(h.isPrimary());
    await(() -> low.mastership().state() == Mastership.State.BACKUP, "low to become backup");
    assertEquals(ElectionId.of(9), low.mastership().primary().orElseThrow());
    // The backup's writes are refused by the device, per update.
    WriteResult refused = get(low.write(List.of(TableUpdate.insert(FlowEntries.flowV4(1, 1)))));
    assertEquals(RpcCode.PERMISSION_DENIED, refused.results().get(0).code());
    high.close();
    // The spec gives no primary until an id at least as high as the highest seen is announced.
    await(() -> low.mastership().state() == Mastership.State.BACKUP && low.mastership().primary().isEmpty(),
        "low to learn that nobody is primary");
    assertTrue(get(low.reannounce(ElectionId.of(10))).isPrimary());
    assertTrue(get(low.write(List.of(TableUpdate.insert(FlowEntries.flowV4(1, 1))))).results().get(0).code()
        != RpcCode.PERMISSION_DENIED, "writes carry the new election id");
    assertTrue(lowSeen.stream().anyMatch(m -> m.state() == Mastership.State.BACKUP));
    assertEquals(Mastership.State.PRIMARY, lowSeen.get(lowSeen.size() - 1).state());
  }

  @Test
  void pipelineCookieIsReadBack() throws Exception {
    P4RuntimeClient c = client(3, 16, 1);
    get(c.connect());
    assertTrue(get(c.pipelineCookie()).isEmpty());
    get(c.setPipelineConfig(new byte[] {9}, 77));
    assertEquals(77, get(c.pipelineCookie()).getAsLong());
  }

  @Test
  void batchedWriteReturnsOneResultPerUpdateInOrder() throws Exception {
    P4RuntimeClient c = primaryWithPipeline(64, 3);
    List<PiTableEntry> entries = FlowEntries.flowV4(1000);
    WriteResult r = get(c.write(entries.stream().map(TableUpdate::insert).toList()));
    assertTrue(r.allOk(), () -> r.failures().toString());
    assertEquals(1000, r.results().size());
    for (int i = 0; i < 1000; i++) {
      assertEquals(entries.get(i), r.results().get(i).update().entry());
    }
    assertEquals(1000, device.entryCount());
    assertEquals((1000 + 63) / 64, device.writeCalls());
  }

  @Test
  void writeWithCanonicalBytesAtHandWritesTheSameEntries() throws Exception {
    P4RuntimeClient c = primaryWithPipeline(64, 3);
    List<PiTableEntry> entries = FlowEntries.flowV4(300);
    List<byte[]> canonical = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      canonical.add(i % 3 == 0 ? null : c.canonicalBytes(entries.get(i))); // null: encoded by the client
    }
    WriteResult r = get(c.writeCanonical(entries.stream().map(TableUpdate::insert).toList(), canonical));
    assertTrue(r.allOk(), () -> r.failures().toString());
    assertEquals(300, device.entryCount());
    List<PiTableEntry> read = get(c.readTableEntries(entries.get(0).table()));
    assertEquals(300, read.size());
    for (PiTableEntry e : read) {
      assertEquals(c.canonical(e), c.decode(c.canonicalBytes(e)));
    }
    assertEquals(entries.stream().map(e -> {
      try {
        return c.canonical(e);
      } catch (CodecException x) {
        throw new AssertionError(x);
      }
    }).collect(java.util.stream.Collectors.toSet()), read.stream().map(e -> {
      try {
        return c.canonical(e);
      } catch (CodecException x) {
        throw new AssertionError(x);
      }
    }).collect(java.util.stream.Collectors.toSet()), "the device holds exactly the entries written");
  }

  @Test
  void perUpdateErrorsNameTheEntityThatFailed() throws Exception {
    P4RuntimeClient c = primaryWithPipeline(8, 2);
    List<PiTableEntry> entries = FlowEntries.flowV4(20);
    get(c.write(List.of(TableUpdate.insert(entries.get(3)), TableUpdate.insert(entries.get(12)))));
    List<TableUpdate> updates = new ArrayList<>();
    entries.forEach(e -> updates.add(TableUpdate.insert(e)));
    updates.add(TableUpdate.delete(FlowEntries.flowV4(999, 1)));
    WriteResult r = get(c.write(updates));
    assertEquals(21, r.results().size());
    List<UpdateResult> failures = r.failures();
    assertEquals(3, failures.size(), failures::toString);
    assertEquals(RpcCode.ALREADY_EXISTS, r.results().get(3).code());
    assertEquals(entries.get(3), r.results().get(3).update().entry());
    assertEquals(RpcCode.ALREADY_EXISTS, r.results().get(12).code());
    assertEquals(RpcCode.NOT_FOUND, r.results().get(20).code());
    assertEquals("no such entry", r.results().get(20).message());
    assertTrue(r.results().get(4).ok());
    assertEquals(20, device.entryCount());
  }

  @Test
  void entriesThePipelineCannotExpressFailLocallyAndTheRestAreSent() throws Exception {
    P4RuntimeClient c = primaryWithPipeline(16, 1);
    PiTableEntry ok = FlowEntries.flowV4(1, 1);
    PiTableEntry tooWide = FlowEntries.flowV4(2, 1000); // port is 9 bits
    WriteResult r = get(c.write(List.of(TableUpdate.insert(ok), TableUpdate.insert(tooWide),
        TableUpdate.insert(FlowEntries.flowV4(3, 1)))));
    assertTrue(r.results().get(0).ok());
    assertEquals(RpcCode.INVALID_ARGUMENT, r.results().get(1).code());
    assertTrue(r.results().get(1).message().contains("'port'"), r.results().get(1).message());
    assertTrue(r.results().get(2).ok());
    assertEquals(2, device.entryCount());
  }

  @Test
  void readReturnsEntriesWithDirectCounters() throws Exception {
    P4RuntimeClient c = primaryWithPipeline(16, 1);
    List<PiTableEntry> entries = FlowEntries.flowV4(5);
    get(c.write(entries.stream().map(TableUpdate::insert).toList()));
    List<PiTableEntry> read = get(c.readTableEntries(FlowV4.TABLE.id()));
    assertEquals(5, read.size());
    for (PiTableEntry e : read) {
      assertEquals(7, e.counter().packets());
      assertEquals(700, e.counter().bytes());
    }
    var canonical = new java.util.HashSet<>();
    for (PiTableEntry e : entries) {
      canonical.add(c.canonical(e).matchKey());
    }
    assertEquals(canonical, new java.util.HashSet<>(read.stream().map(PiTableEntry::matchKey).toList()));
  }

  @Test
  void packetInOutAndIdleTimeoutNotifications() throws Exception {
    P4RuntimeClient c = primaryWithPipeline(16, 1);
    List<PiPacketOperation> in = new CopyOnWriteArrayList<>();
    List<List<PiTableEntry>> idle = new CopyOnWriteArrayList<>();
    c.addListener(new StreamListener() {
      @Override
      public void onPacketIn(PiPacketOperation p) {
        in.add(p);
      }

      @Override
      public void onIdleTimeout(List<PiTableEntry> entries) {
        idle.add(entries);
      }
    });
    get(c.packetOut(PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_OUT)
        .withData(ImmutableByteSequence.copyFrom(new byte[] {1, 2, 3}))
        .withMetadata(PiPacketMetadata.builder().withId(FlowtableP4.PacketOut.EGRESS_PORT.id())
            .withValue(ImmutableByteSequence.copyFrom((short) 4)).build()).build()));
    await(() -> device.packetsOut().size() == 1, "packet_out at the device");
    assertEquals(ByteString.copyFrom(new byte[] {4}), device.packetsOut().get(0).getMetadata(0).getValue());

    device.sendPacketIn(PacketIn.newBuilder().setPayload(ByteString.copyFromUtf8("frame"))
        .addMetadata(PacketMetadata.newBuilder().setMetadataId(1).setValue(ByteString.copyFrom(new byte[] {3})))
        .addMetadata(PacketMetadata.newBuilder().setMetadataId(2).setValue(ByteString.copyFrom(new byte[] {1})))
        .build());
    await(() -> in.size() == 1, "packet_in");
    assertEquals(PiPacketOperationType.PACKET_IN, in.get(0).type());
    assertEquals("frame", new String(in.get(0).data().asArray(), java.nio.charset.StandardCharsets.UTF_8));

    get(c.write(List.of(TableUpdate.insert(FlowEntries.flowV4(1, 1)))));
    device.sendIdleTimeout(device.entries());
    await(() -> idle.size() == 1, "idle timeout notification");
    assertEquals(c.canonical(FlowEntries.flowV4(1, 1)).matchKey(), idle.get(0).get(0).matchKey());
  }

  @Test
  void aHungDeviceFailsEachUpdateWithDeadlineExceeded() throws Exception {
    ClientConfig c = ClientConfig.of("127.0.0.1", device.port(), 1).withElectionId(ElectionId.of(10))
        .withBatching(4, 2).withRpcDeadline(Duration.ofMillis(300));
    P4RuntimeClient client = P4RuntimeClient.create(c, TestP4Info.get(), scheduler, new SplittableRandom(1));
    clients.add(client);
    assertTrue(get(client.connect()).isPrimary());
    get(client.setPipelineConfig(new byte[0], 1));
    device.stallWrites(true);
    WriteResult r = get(client.write(FlowEntries.flowV4(10).stream().map(TableUpdate::insert).toList()));
    assertEquals(10, r.results().size());
    assertTrue(r.results().stream().allMatch(u -> u.code() == RpcCode.DEADLINE_EXCEEDED), r::toString);
    assertEquals(3, device.writeCalls(), "10 updates in batches of 4");
  }

  @Test
  void reconnectsWithBackoffAfterTheDeviceRestarts() throws Exception {
    P4RuntimeClient c = client(4, 16, 1);
    assertTrue(get(c.connect()).isPrimary());
    device.restart();
    await(() -> c.mastership().state() == Mastership.State.DISCONNECTED, "stream loss to be noticed");
    await(() -> scheduler.pending() == 1, "a reconnect to be scheduled");
    Duration first = scheduler.delays().get(0);
    assertTrue(first.compareTo(Backoff.DEFAULT.initial()) <= 0 && !first.isZero(), first.toString());
    scheduler.runAll();
    await(() -> c.mastership().isPrimary(), "primary again after reconnect");
    assertFalse(scheduler.pending() > 0);
  }
}
