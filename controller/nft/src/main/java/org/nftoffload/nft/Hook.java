package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;

/**
 * What makes a chain a base chain: {@code type filter hook forward priority filter + 5; policy drop;} and, for
 * netdev and ingress hooks, its devices. Named priorities are resolved to numbers (as nft's JSON prints them),
 * and the policy defaults to accept.
 */
public record Hook(String type, String hook, int priority, String policy, List<String> devices) {
  public Hook {
    Objects.requireNonNull(type);
    Objects.requireNonNull(hook);
    Objects.requireNonNull(policy);
    devices = List.copyOf(devices.stream().sorted().toList());
  }

  /**
   * The number of a named chain priority ({@code filter}, {@code dstnat}, ...) in a family, as nft defines them;
   * -1 offset aside, bridge uses its own values.
   */
  public static java.util.OptionalInt namedPriority(Family family, String name) {
    boolean bridge = family == Family.BRIDGE;
    Integer v = switch (name) {
      case "raw" -> -300;
      case "mangle" -> -150;
      case "dstnat" -> bridge ? -300 : -100;
      case "filter" -> bridge ? -200 : 0;
      case "security" -> 50;
      case "srcnat" -> bridge ? 300 : 100;
      case "out" -> bridge ? 100 : null;
      default -> null;
    };
    return v == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(v);
  }
}
