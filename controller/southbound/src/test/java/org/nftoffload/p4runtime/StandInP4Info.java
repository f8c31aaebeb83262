package org.nftoffload.p4runtime;

import java.util.concurrent.atomic.AtomicInteger;
import org.nftoffload.p4.FlowtableP4;
import p4.config.v1.P4InfoOuterClass;
import p4.config.v1.P4InfoOuterClass.MatchField.MatchType;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Preamble;

/**
 * TEMPORARY: a P4Info built from {@link FlowtableP4}'s names while {@code p4/flowtable.p4info.txtpb} is being
 * written. Replaced by {@code FlowtablePipeline.load().p4Info()} once it lands.
 */
final class StandInP4Info {

  private StandInP4Info() {}

  static P4Info build() {
    P4Info.Builder b = P4Info.newBuilder();
    AtomicInteger tableId = new AtomicInteger(0x02000001);
    AtomicInteger actionId = new AtomicInteger(0x01000001);
    AtomicInteger counterId = new AtomicInteger(0x13000001);
    java.util.Map<String, Integer> actions = new java.util.HashMap<>();
    for (FlowtableP4.Table t : FlowtableP4.TABLES) {
      for (FlowtableP4.Action a : t.actions()) {
        actions.computeIfAbsent(a.id().id(), n -> {
          int id = actionId.getAndIncrement();
          P4InfoOuterClass.Action.Builder ab = P4InfoOuterClass.Action.newBuilder()
              .setPreamble(Preamble.newBuilder().setId(id).setName(n));
          int p = 1;
          for (FlowtableP4.Param param : a.params()) {
            ab.addParams(P4InfoOuterClass.Action.Param.newBuilder().setId(p++).setName(param.id().id())
                .setBitwidth(param.bitWidth()));
          }
          b.addActions(ab);
          return id;
        });
      }
      int tid = tableId.getAndIncrement();
      P4InfoOuterClass.Table.Builder tb = P4InfoOuterClass.Table.newBuilder()
          .setPreamble(Preamble.newBuilder().setId(tid).setName(t.id().id())).setSize(1024);
      int f = 1;
      for (FlowtableP4.MatchField m : t.key()) {
        tb.addMatchFields(P4InfoOuterClass.MatchField.newBuilder().setId(f++).setName(m.id().id())
            .setBitwidth(m.bitWidth()).setMatchType(switch (m.matchType()) {
              case EXACT -> MatchType.EXACT;
              case TERNARY -> MatchType.TERNARY;
              case RANGE -> MatchType.RANGE;
              case LPM -> MatchType.LPM;
              case OPTIONAL -> MatchType.OPTIONAL;
              default -> throw new IllegalArgumentException();
            }));
      }
      for (FlowtableP4.Action a : t.actions()) {
        tb.addActionRefs(P4InfoOuterClass.ActionRef.newBuilder().setId(actions.get(a.id().id())));
      }
      if (t.idleTimeout()) {
        tb.setIdleTimeoutBehavior(P4InfoOuterClass.Table.IdleTimeoutBehavior.NOTIFY_CONTROL);
      }
      int cid = counterId.getAndIncrement();
      tb.addDirectResourceIds(cid);
      b.addTables(tb);
      b.addDirectCounters(P4InfoOuterClass.DirectCounter.newBuilder()
          .setPreamble(Preamble.newBuilder().setId(cid).setName(t.directCounter().id())).setDirectTableId(tid));
    }
    b.addControllerPacketMetadata(P4InfoOuterClass.ControllerPacketMetadata.newBuilder()
        .setPreamble(Preamble.newBuilder().setId(0x40000001).setName("packet_in"))
        .addMetadata(P4InfoOuterClass.ControllerPacketMetadata.Metadata.newBuilder().setId(1).setName("ingress_port")
            .setBitwidth(FlowtableP4.PORT_BITS))
        .addMetadata(P4InfoOuterClass.ControllerPacketMetadata.Metadata.newBuilder().setId(2).setName("reason")
            .setBitwidth(8)));
    b.addControllerPacketMetadata(P4InfoOuterClass.ControllerPacketMetadata.newBuilder()
        .setPreamble(Preamble.newBuilder().setId(0x40000002).setName("packet_out"))
        .addMetadata(P4InfoOuterClass.ControllerPacketMetadata.Metadata.newBuilder().setId(1).setName("egress_port")
            .setBitwidth(FlowtableP4.PORT_BITS)));
    return b.build();
  }
}
