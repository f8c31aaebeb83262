package org.nftoffload.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The flow-by-identity table against a plain map under random adds and removals (IPv4 and IPv6 flows of two agents,
 * growth, removals that shift probe runs): lookups of identities present and absent, membership of the flow object
 * itself, and the slots a view copies.
 */
class FlowIdsTest {

  static IntStream seeds() {
    return IntStream.range(0, 10);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void behavesLikeAMapFromIdentityToFlow(int seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<FlowSpec> specs = new ArrayList<>();
    Set<FlowId> distinct = new HashSet<>();
    while (specs.size() < 1500) {
      FlowSpec s = Flows.random(r);
      if (distinct.add(s.id())) {
        specs.add(s);
      }
    }
    FlowIds table = new FlowIds();
    Map<FlowId, Flow> model = new HashMap<>();
    List<Flow> gone = new ArrayList<>();
    for (int step = 0; step < 20_000; step++) {
      FlowSpec s = specs.get(r.nextInt(specs.size()));
      Flow present = model.get(s.id());
      if (present == null) {
        Flow f = new Flow(step, s, FlowState.PENDING, "sw0", null, null, 0);
        table.put(f);
        model.put(s.id(), f);
      } else if (r.nextInt(3) > 0) {
        table.remove(present);
        model.remove(s.id());
        gone.add(present);
      }
      if (step % 2000 == 0 || step == 19_999) {
        String at = "seed " + seed + " step " + step;
        assertEquals(model.size(), table.size(), at);
        for (FlowSpec each : specs) {
          assertSame(model.get(each.id()), table.get(each.id()), at + " " + each.id());
        }
        for (Flow f : model.values()) {
          assertTrue(table.holds(f), at);
        }
        for (Flow f : gone) {
          assertEquals(model.get(f.id()) == f, table.holds(f), at);
        }
        Set<Flow> slots = new HashSet<>();
        int n = 0;
        for (Flow f : table.slots()) {
          if (f != null) {
            slots.add(f);
            n++;
          }
        }
        assertEquals(n, slots.size(), at + ": a flow in two slots");
        assertEquals(new HashSet<>(model.values()), slots, at);
      }
    }
  }
}
