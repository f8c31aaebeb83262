package org.nftoffload.nft;

import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Canonical forms of literal values, so that what nft prints as text ({@code 0x00000010}, {@code FE80::1}) and as
 * JSON ({@code 16}, {@code fe80::1}) read the same, and the helpers that recognise addresses, prefixes and ranges
 * inside one word.
 */
public final class Values {
  private static final Pattern DEC = Pattern.compile("\\d{1,40}");
  private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F]{1,32}");
  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
  private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");

  private Values() {}

  /** The canonical text of a literal word. */
  public static String canonical(String w) {
    if (w.indexOf(':') < 0) {
      // the common case: names, decimal numbers, IPv4 addresses; only hex and decimal change
      if (w.length() > 2 && w.charAt(0) == '0' && (w.charAt(1) == 'x' || w.charAt(1) == 'X')
          && HEX.matcher(w).matches()) {
        return new BigInteger(w.substring(2), 16).toString();
      }
      if (allDigits(w)) {
        return w.length() < 18 ? Long.toString(Long.parseLong(w)) : new BigInteger(w).toString();
      }
      return w;
    }
    if (HEX.matcher(w).matches()) {
      return new BigInteger(w.substring(2), 16).toString();
    }
    if (DEC.matcher(w).matches()) {
      return new BigInteger(w).toString();
    }
    if (MAC.matcher(w).matches()) {
      return w.toLowerCase(Locale.ROOT);
    }
    if (isIpv6(w)) {
      return canonicalIpv6(w);
    }
    return w;
  }

  private static boolean allDigits(String w) {
    if (w.isEmpty() || w.length() > 40) {
      return false;
    }
    for (int i = 0; i < w.length(); i++) {
      char c = w.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean hasDigitOrColon(String w) {
    for (int i = 0; i < w.length(); i++) {
      char c = w.charAt(i);
      if (c >= '0' && c <= '9' || c == ':') {
        return true;
      }
    }
    return false;
  }

  public static boolean isNumber(String w) {
    return DEC.matcher(w).matches() || HEX.matcher(w).matches();
  }

  public static boolean isIpv4(String w) {
    return IPV4.matcher(w).matches();
  }

  public static boolean isMac(String w) {
    return MAC.matcher(w).matches();
  }

  /** An IPv6 address: hex groups and colons (at least two), optionally ending in an IPv4 address. */
  public static boolean isIpv6(String w) {
    if (w.indexOf(':') < 0) {
      return false;
    }
    if (!IPV6.matcher(w).matches() || w.chars().filter(ch -> ch == ':').count() < 2 || isMac(w)) {
      return false;
    }
    return parseIpv6(w) != null;
  }

  /** Numbers, addresses: what may stand on either side of a range's dash. */
  static boolean isRangeBound(String w) {
    if (!hasDigitOrColon(w)) {
      return false;
    }
    return isNumber(w) || isIpv4(w) || isIpv6(w) || isMac(w);
  }

  /** The 16 bytes of an IPv6 address, or null when it is not one. */
  public static byte[] parseIpv6(String w) {
    String s = w;
    byte[] tail = null;
    int lastColon = s.lastIndexOf(':');
    if (s.indexOf('.') >= 0) {
      String v4 = s.substring(lastColon + 1);
      if (!isIpv4(v4)) {
        return null;
      }
      tail = ipv4Bytes(v4);
      s = s.substring(0, lastColon + 1) + "0:0";
    }
    int dbl = s.indexOf("::");
    if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
      return null;
    }
    String[] head;
    String[] rest;
    if (dbl >= 0) {
      String h = s.substring(0, dbl);
      String r = s.substring(dbl + 2);
      head = h.isEmpty() ? new String[0] : h.split(":", -1);
      rest = r.isEmpty() ? new String[0] : r.split(":", -1);
      if (head.length + rest.length > 7) {
        return null;
      }
    } else {
      head = s.split(":", -1);
      rest = new String[0];
      if (head.length != 8) {
        return null;
      }
    }
    int[] groups = new int[8];
    for (int k = 0; k < head.length; k++) {
      if (!hexGroup(head[k])) {
        return null;
      }
      groups[k] = Integer.parseInt(head[k], 16);
    }
    for (int k = 0; k < rest.length; k++) {
      if (!hexGroup(rest[k])) {
        return null;
      }
      groups[8 - rest.length + k] = Integer.parseInt(rest[k], 16);
    }
    byte[] b = new byte[16];
    for (int k = 0; k < 8; k++) {
      b[2 * k] = (byte) (groups[k] >> 8);
      b[2 * k + 1] = (byte) groups[k];
    }
    if (tail != null) {
      System.arraycopy(tail, 0, b, 12, 4);
    }
    return b;
  }

  private static boolean hexGroup(String g) {
    return !g.isEmpty() && g.length() <= 4 && g.chars().allMatch(ch -> Character.digit(ch, 16) >= 0);
  }

  /** The 4 bytes of a dotted IPv4 address (which must be one). */
  public static byte[] ipv4Bytes(String w) {
    String[] p = w.split("\\.");
    byte[] b = new byte[4];
    for (int k = 0; k < 4; k++) {
      b[k] = (byte) Integer.parseInt(p[k]);
    }
    return b;
  }

  /** RFC 5952 text of an IPv6 address: lower case, longest zero run (of two groups or more) as {@code ::}. */
  static String canonicalIpv6(String w) {
    byte[] b = parseIpv6(w);
    int[] g = new int[8];
    for (int k = 0; k < 8; k++) {
      g[k] = ((b[2 * k] & 0xff) << 8) | (b[2 * k + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int k = 0; k < 8; ) {
      if (g[k] == 0) {
        int e = k;
        while (e < 8 && g[e] == 0) {
          e++;
        }
        if (e - k > bestLen && e - k >= 2) {
          bestStart = k;
          bestLen = e - k;
        }
        k = e;
      } else {
        k++;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < 8; k++) {
      if (k == bestStart) {
        sb.append("::");
        k += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[k]));
    }
    return sb.toString();
  }

  /**
   * A duration as nft writes it ({@code 1h30m}, {@code 10s}, {@code 2d}, {@code 500ms}, or a plain number of
   * seconds) in whole seconds; -1 when it is not one.
   */
  public static long durationSeconds(String w) {
    if (DEC.matcher(w).matches()) {
      return w.length() > 15 ? -1 : Long.parseLong(w);
    }
    var m = Pattern.compile("(\\d{1,9})(ms|d|h|m|s)").matcher(w);
    long ms = 0;
    int pos = 0;
    while (m.find() && m.start() == pos) {
      long v = Long.parseLong(m.group(1));
      ms += switch (m.group(2)) {
        case "d" -> v * 86_400_000L;
        case "h" -> v * 3_600_000L;
        case "m" -> v * 60_000L;
        case "s" -> v * 1000L;
        default -> v;
      };
      pos = m.end();
    }
    return pos == w.length() && pos > 0 ? ms / 1000 : -1;
  }

  /** Bytes in a quantity with nft's byte units. */
  public static long bytes(long n, String unit) {
    return switch (unit) {
      case "kbytes" -> n * 1024;
      case "mbytes" -> n * 1024 * 1024;
      case "gbytes" -> n * 1024 * 1024 * 1024;
      default -> n;
    };
  }
}
