package org.nftoffload.softswitch.p4runtime;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Preamble;

/**
 * What differs between a P4Info a client pushes and the flowtable P4Info the switch implements, object by object
 * (tables, actions, counters, direct counters, direct meters, controller headers), so a refused
 * SetForwardingPipelineConfig says exactly what to fix.
 */
public final class P4InfoDiff {

  private P4InfoDiff() {}

  /** Human-readable differences; empty when the two are equal. */
  public static List<String> differences(P4Info expected, P4Info actual) {
    List<String> out = new ArrayList<>();
    compare("table", expected.getTablesList(), actual.getTablesList(), t -> t.getPreamble(), out);
    compare("action", expected.getActionsList(), actual.getActionsList(), a -> a.getPreamble(), out);
    compare("counter", expected.getCountersList(), actual.getCountersList(), c -> c.getPreamble(), out);
    compare("direct counter", expected.getDirectCountersList(), actual.getDirectCountersList(),
        c -> c.getPreamble(), out);
    compare("meter", expected.getMetersList(), actual.getMetersList(), c -> c.getPreamble(), out);
    compare("direct meter", expected.getDirectMetersList(), actual.getDirectMetersList(), c -> c.getPreamble(), out);
    compare("controller header", expected.getControllerPacketMetadataList(),
        actual.getControllerPacketMetadataList(), c -> c.getPreamble(), out);
    compare("register", expected.getRegistersList(), actual.getRegistersList(), c -> c.getPreamble(), out);
    compare("action profile", expected.getActionProfilesList(), actual.getActionProfilesList(),
        c -> c.getPreamble(), out);
    compare("digest", expected.getDigestsList(), actual.getDigestsList(), c -> c.getPreamble(), out);
    compare("value set", expected.getValueSetsList(), actual.getValueSetsList(), c -> c.getPreamble(), out);
    compare("extern", expected.getExternsList(), actual.getExternsList(), e -> Preamble.newBuilder()
        .setName(e.getExternTypeName()).setId(e.getExternTypeId()).build(), out);
    if (out.isEmpty() && !expected.getTypeInfo().equals(actual.getTypeInfo())) {
      out.add("type_info differs");
    }
    if (out.isEmpty() && !expected.getPkgInfo().getArch().equals(actual.getPkgInfo().getArch())) {
      out.add("pkg_info.arch is \"" + actual.getPkgInfo().getArch() + "\", expected \""
          + expected.getPkgInfo().getArch() + "\"");
    }
    return out;
  }

  private static <T extends Message> void compare(String kind, List<T> expected, List<T> actual,
      Function<T, Preamble> preamble, List<String> out) {
    Map<String, T> e = byName(expected, preamble);
    Map<String, T> a = byName(actual, preamble);
    for (var entry : e.entrySet()) {
      T other = a.get(entry.getKey());
      if (other == null) {
        out.add(kind + " " + entry.getKey() + " is missing");
      } else if (!other.equals(entry.getValue())) {
        Preamble pe = preamble.apply(entry.getValue());
        Preamble pa = preamble.apply(other);
        out.add(kind + " " + entry.getKey() + (pe.getId() != pa.getId()
            ? String.format(" has id 0x%08x, expected 0x%08x", pa.getId(), pe.getId())
            : " differs: " + firstDifference(entry.getValue(), other)));
      }
    }
    for (String name : a.keySet()) {
      if (!e.containsKey(name)) {
        out.add(kind + " " + name + " is not in the flowtable pipeline");
      }
    }
  }

  private static String firstDifference(Message expected, Message actual) {
    for (var field : expected.getDescriptorForType().getFields()) {
      Object x = expected.getField(field);
      Object y = actual.getField(field);
      if (!x.equals(y)) {
        return field.getName() + " is " + shorten(y) + ", expected " + shorten(x);
      }
    }
    return "unknown fields";
  }

  private static String shorten(Object o) {
    String s = o.toString().replaceAll("\\s+", " ").trim();
    return s.length() > 160 ? s.substring(0, 157) + "..." : s;
  }

  private static <T> Map<String, T> byName(List<T> list, Function<T, Preamble> preamble) {
    Map<String, T> m = new LinkedHashMap<>();
    list.forEach(x -> m.put(preamble.apply(x).getName(), x));
    return m;
  }
}
