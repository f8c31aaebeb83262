package org.nftoffload.softswitch.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nftoffload.p4.FlowtablePipeline;
import org.nftoffload.softswitch.pipeline.Pipeline;
import org.nftoffload.softswitch.pipeline.TableEntry;
import org.nftoffload.softswitch.pipeline.TableKind;
import org.nftoffload.softswitch.pipeline.TableStore;
import p4.config.v1.P4InfoOuterClass;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeOuterClass;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.Update;

/**
 * Whatever form a flow entry is written in — padded bytestrings, fields and parameters in any order, every action
 * of both flow tables, with or without cookie, idle timeout and opaque metadata — the switch gives back exactly
 * its canonical form ({@link EntryCodec#canonical}), after INSERT and after MODIFY (with and without an action),
 * whether it kept a copy of the entry or rebuilds it from the compiled form. Seeded: a failure names the seed.
 */
class StoredFormPropertyTest {

  private final P4Info p4Info = FlowtablePipeline.load().p4Info();
  private final EntryCodec codec = new EntryCodec(new P4InfoIndex(p4Info));

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void readsGiveBackTheCanonicalFormOfWhatWasWritten(long seed) throws P4RuntimeException {
    Random random = new Random(seed);
    Pipeline pipeline = new Pipeline(new TableStore(Map.of(TableKind.ACL, 4, TableKind.FLOW_V4, 1000,
        TableKind.FLOW_V6, 1000)), 512, 256, () -> 0L);
    EntityStore store = new EntityStore(pipeline, codec);
    int described = 0;
    int copied = 0;
    for (int i = 0; i < 300; i++) {
      String alias = random.nextBoolean() ? "flow_v4" : "flow_v6";
      P4InfoOuterClass.Table table = p4Info.getTablesList().stream().filter(t -> t.getPreamble().getAlias()
          .equals(alias)).findFirst().orElseThrow();
      P4RuntimeOuterClass.TableEntry written = entry(random, table, true);
      apply(store, Update.Type.INSERT, written);
      TableEntry stored = find(pipeline, written);
      assertEquals(EntryCodec.canonical(written), store.source(stored), "seed " + seed + ", insert " + i);
      if (stored.source() == null) {
        described++;
      } else {
        copied++;
      }
      if (random.nextBoolean()) {
        P4RuntimeOuterClass.TableEntry modify = entry(random, table, random.nextBoolean()).toBuilder()
            .clearMatch().addAllMatch(written.getMatchList()).build();
        apply(store, Update.Type.MODIFY, modify);
        P4RuntimeOuterClass.TableEntry expected = modify.hasAction() ? modify
            : modify.toBuilder().setAction(written.getAction()).build();
        assertEquals(EntryCodec.canonical(expected), store.source(find(pipeline, written)),
            "seed " + seed + ", modify " + i);
      }
    }
    assertTrue(described > 0 && copied > 0, "seed " + seed + ": both forms must occur: " + described + " / "
        + copied);
  }

  private TableEntry find(Pipeline pipeline, P4RuntimeOuterClass.TableEntry e) throws P4RuntimeException {
    EntryCodec.Key key = codec.key(e);
    return pipeline.store().find(key.table(), key.key());
  }

  private static void apply(EntityStore store, Update.Type type, P4RuntimeOuterClass.TableEntry e)
      throws P4RuntimeException {
    Update u = Update.newBuilder().setType(type).setEntity(Entity.newBuilder().setTableEntry(e)).build();
    store.apply(u, store.prepare(List.of(u))[0]);
  }

  /** A random valid entry of {@code table}, often not in canonical form. */
  private P4RuntimeOuterClass.TableEntry entry(Random random, P4InfoOuterClass.Table table, boolean withAction) {
    P4RuntimeOuterClass.TableEntry.Builder b = P4RuntimeOuterClass.TableEntry.newBuilder()
        .setTableId(table.getPreamble().getId());
    List<FieldMatch> matches = new ArrayList<>();
    for (P4InfoOuterClass.MatchField f : table.getMatchFieldsList()) {
      matches.add(FieldMatch.newBuilder().setFieldId(f.getId()).setExact(FieldMatch.Exact.newBuilder()
          .setValue(value(random, f.getBitwidth()))).build());
    }
    if (random.nextInt(4) == 0) {
      Collections.shuffle(matches, random);
    }
    b.addAllMatch(matches);
    if (withAction) {
      List<P4InfoOuterClass.ActionRef> refs = table.getActionRefsList().stream()
          .filter(r -> r.getScope() != P4InfoOuterClass.ActionRef.Scope.DEFAULT_ONLY).toList();
      int actionId = refs.get(random.nextInt(refs.size())).getId();
      P4InfoOuterClass.Action info = p4Info.getActionsList().stream().filter(a -> a.getPreamble().getId()
          == actionId).findFirst().orElseThrow();
      List<P4RuntimeOuterClass.Action.Param> params = new ArrayList<>();
      for (P4InfoOuterClass.Action.Param p : info.getParamsList()) {
        params.add(P4RuntimeOuterClass.Action.Param.newBuilder().setParamId(p.getId())
            .setValue(value(random, p.getBitwidth())).build());
      }
      if (random.nextInt(4) == 0) {
        Collections.shuffle(params, random);
      }
      b.setAction(P4RuntimeOuterClass.TableAction.newBuilder().setAction(P4RuntimeOuterClass.Action.newBuilder()
          .setActionId(info.getPreamble().getId()).addAllParams(params)));
    }
    if (random.nextBoolean()) {
      b.setIdleTimeoutNs(1 + random.nextInt(Integer.MAX_VALUE));
    }
    if (random.nextBoolean()) {
      b.setControllerMetadata(random.nextLong());
    }
    if (random.nextInt(8) == 0) {
      b.setMetadata(ByteString.copyFromUtf8("opaque " + random.nextInt(100)));
    }
    if (random.nextInt(8) == 0) {
      b.setCounterData(P4RuntimeOuterClass.CounterData.newBuilder().setPacketCount(random.nextInt(100)));
    }
    return b.build();
  }

  /** A random value of {@code bits} bits, often short, sometimes with leading zero bytes. */
  private static ByteString value(Random random, int bits) {
    byte[] b = new byte[(bits + 7) / 8];
    random.nextBytes(b);
    b[0] &= (byte) (0xff >>> (b.length * 8 - bits));
    int zeros = random.nextInt(4) == 0 ? random.nextInt(b.length + 1) : 0;
    for (int i = 0; i < zeros; i++) {
      b[i] = 0;
    }
    ByteString v = Bytestrings.canonical(ByteString.copyFrom(b));
    int pad = random.nextInt(5) == 0 ? 1 + random.nextInt(2) : 0;
    return ByteString.copyFrom(new byte[pad]).concat(v);
  }
}
