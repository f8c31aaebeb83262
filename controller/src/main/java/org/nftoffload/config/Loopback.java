package org.nftoffload.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Tells whether a configured listen address is loopback: open (tokenless) listeners are only allowed there. */
public final class Loopback {

  private Loopback() {}

  /** Whether {@code host} is a loopback literal or "localhost" (names are never resolved). */
  public static boolean is(String host) {
    if (host.equals("localhost")) {
      return true;
    }
    try {
      // only literals: a name is never resolved at config time
      if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
        return false;
      }
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
