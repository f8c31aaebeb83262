package org.nftoffload.p4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Preamble;

/**
 * The constants the controller shares with the P4 program agree with {@code include/define.p4}, and no
 * numeric P4Runtime id of the pipeline is written anywhere in the project's Java sources.
 */
class P4SourceContractTest {

  private static final Pattern CONST = Pattern.compile("const\\s+[\\w<>]+\\s+(\\w+)\\s*=\\s*(\\w+)\\s*;");

  private static Map<String, Long> defineConstants() throws IOException {
    try (InputStream in = P4SourceContractTest.class.getResourceAsStream("/org/nftoffload/p4/include/define.p4")) {
      assertTrue(in != null, "define.p4 is packaged with the P4Info");
      Matcher m = CONST.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      Map<String, Long> constants = new HashMap<>();
      while (m.find()) {
        constants.put(m.group(1), Long.decode(m.group(2)));
      }
      return constants;
    }
  }

  @Test
  void javaConstantsMatchDefineP4() throws IOException {
    Map<String, Long> p4 = defineConstants();
    assertEquals(Long.valueOf(FlowtableP4.CPU_PORT), p4.get("CPU_PORT"));
    assertEquals(Long.valueOf(FlowtableP4.CPU_CLONE_SESSION_ID), p4.get("CPU_CLONE_SESSION_ID"));
    for (FlowtableP4.PuntReason reason : FlowtableP4.PuntReason.values()) {
      assertEquals(Long.valueOf(reason.code()), p4.get("PUNT_REASON_" + reason.name()), reason.name());
    }
    long p4Reasons = p4.keySet().stream().filter(k -> k.startsWith("PUNT_REASON_") && !k.equals("PUNT_REASON_NONE")).count();
    assertEquals(FlowtableP4.PuntReason.values().length, p4Reasons, "every punt reason of define.p4 has a Java name");
  }

  /** Ids come from the P4Info at run time; a literal id in Java would silently go stale when the P4 changes. */
  @Test
  void noJavaSourceSpellsAP4RuntimeId() throws IOException {
    P4Info p4Info = FlowtablePipeline.load().p4Info();
    List<Preamble> preambles = new ArrayList<>();
    p4Info.getTablesList().forEach(t -> preambles.add(t.getPreamble()));
    p4Info.getActionsList().forEach(a -> preambles.add(a.getPreamble()));
    p4Info.getCountersList().forEach(c -> preambles.add(c.getPreamble()));
    p4Info.getDirectCountersList().forEach(c -> preambles.add(c.getPreamble()));
    p4Info.getDirectMetersList().forEach(c -> preambles.add(c.getPreamble()));
    p4Info.getControllerPacketMetadataList().forEach(c -> preambles.add(c.getPreamble()));
    List<Pattern> forbidden = preambles.stream()
        .map(p -> Pattern.compile("(?i)\\b(0x0*" + Integer.toHexString(p.getId()) + "|" + p.getId() + ")L?\\b"))
        .toList();

    Path root = Path.of("..").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(root.resolve("p4/flowtable.p4info.txtpb")), "tests run from the p4 module: " + root);
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/")
          && !f.toString().contains("/target/")).toList()) {
        String text = Files.readString(file);
        for (Pattern p : forbidden) {
          if (p.matcher(text).find()) {
            offenders.add(root.relativize(file) + " contains " + p.pattern());
          }
        }
      }
    }
    assertEquals(List.of(), offenders);
  }
}
