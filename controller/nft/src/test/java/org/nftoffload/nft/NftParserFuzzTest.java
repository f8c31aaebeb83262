package org.nftoffload.nft;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.nftoffload.plan.DevicePortMap;
import org.nftoffload.plan.Planner;
import org.nftoffload.plan.PlannerOptions;

/**
 * Any input gives a model or a positioned {@link NftParseException}, never another exception: through the text
 * reader, the JSON reader, validation and the planner. The first byte picks text or JSON so that one bounded run
 * covers both. Seeds live in {@code NftParserFuzzTestInputs/}.
 */
class NftParserFuzzTest {
  private static final Planner PLANNER = new Planner(DevicePortMap.of(java.util.Map.of("lan0", 1, "wan0", 2)),
      PlannerOptions.defaults());

  @FuzzTest(maxDuration = "15s")
  void anyInputIsAModelOrAPositionedError(byte[] data) {
    if (data.length == 0) {
      return;
    }
    String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
    try {
      Ruleset rs = (data[0] & 1) == 0 ? NftTextParser.parse("fuzz.nft", text) : NftJsonParser.parse("fuzz.json", text);
      Validator.validate(rs);
      PLANNER.plan(rs);
      Printer.ruleset(rs);
    } catch (NftParseException e) {
      Position p = e.position();
      if (p.line() < 1 || p.column() < 1 || !e.getMessage().startsWith(p.toString() + ": Error: ")) {
        throw new AssertionError("badly positioned error: " + e.getMessage());
      }
    }
  }
}
