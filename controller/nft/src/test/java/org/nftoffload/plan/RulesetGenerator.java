package org.nftoffload.plan;

import java.util.SplittableRandom;

/**
 * A seeded generator of large, realistic rulesets for the benchmark and its sanity test: a data-center ACL of
 * address and port rules, interface dispatch through jumps and a verdict map, named sets, counters, limits, logs,
 * a stateful prefix and a flowtable. The same seed always gives the same text.
 */
public final class RulesetGenerator {
  private RulesetGenerator() {}

  /** A ruleset of exactly {@code rules} rules. */
  public static String generate(int rules, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(rules * 64);
    sb.append("define mgmt = { 10.255.0.0/16, 192.0.2.10 }\n");
    sb.append("table inet dc {\n");
    sb.append("\tflowtable ft { hook ingress priority filter; devices = { lan0, wan0 }; }\n");
    sb.append("\tset deny { type ipv4_addr; flags interval; elements = { ");
    for (int i = 0; i < 200; i++) {
      sb.append(i == 0 ? "" : ", ").append(11 + i % 200).append('.').append(rnd.nextInt(256)).append(".0.0/16");
    }
    sb.append(" } }\n");
    sb.append("\tmap zones { type ifname : verdict; elements = { \"lan0\" : jump from_lan, \"lan1\" : jump from_lan1 } }\n");
    int fixed = 6;
    int perSub = (rules - fixed) / 10;
    int main = rules - fixed - 2 * perSub;
    sb.append("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
    sb.append("\t\tip saddr $mgmt tcp dport 22 accept\n");
    sb.append("\t\tip saddr @deny counter drop\n");
    sb.append("\t\tiifname vmap @zones\n");
    for (int i = 0; i < main; i++) {
      sb.append("\t\t").append(rule(rnd, i)).append('\n');
    }
    sb.append("\t\tmeta l4proto { tcp, udp } ct state established flow add @ft\n");
    sb.append("\t\tct state established,related accept\n");
    sb.append("\t}\n");
    for (String sub : new String[] {"from_lan", "from_lan1"}) {
      sb.append("\tchain ").append(sub).append(" {\n");
      for (int i = 0; i < perSub; i++) {
        sb.append("\t\t").append(rule(rnd, i)).append('\n');
      }
      sb.append("\t}\n");
    }
    sb.append("\tchain post {\n\t\ttype nat hook postrouting priority srcnat;\n\t\toifname \"wan0\" masquerade\n\t}\n");
    sb.append("}\n");
    return sb.toString();
  }

  private static String rule(SplittableRandom rnd, int i) {
    String src = "10." + rnd.nextInt(256) + "." + rnd.nextInt(256) + ".0/24";
    String dst = "172." + (16 + rnd.nextInt(16)) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256);
    int port = 1 + rnd.nextInt(65000);
    return switch (rnd.nextInt(8)) {
      case 0 -> "ip saddr " + src + " tcp dport " + port + " accept";
      case 1 -> "ip saddr " + src + " ip daddr " + dst + " udp dport { " + port + ", " + (port + 1) + " } drop";
      case 2 -> "iifname \"lan" + rnd.nextInt(2) + "\" tcp dport " + port + "-" + (port + 10) + " counter accept";
      case 3 -> "ip6 saddr 2001:db8:" + Integer.toHexString(rnd.nextInt(65536)) + "::/48 tcp dport " + port + " drop";
      case 4 -> "ip daddr " + dst + " limit rate " + (1 + rnd.nextInt(1000)) + "/second accept";
      case 5 -> "ip saddr " + src + " log prefix \"r" + i + " \" drop";
      case 6 -> "meta l4proto udp ip daddr " + dst + " udp dport " + port + " accept comment \"rule " + i + "\"";
      default -> "ct state new tcp dport " + port + " accept";
    };
  }
}
