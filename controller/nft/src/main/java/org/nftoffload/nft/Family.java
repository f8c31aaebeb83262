package org.nftoffload.nft;

import java.util.Locale;
import java.util.Optional;

/** The address families of nftables tables: which hooks exist and which packets a table sees. */
public enum Family {
  IP, IP6, INET, ARP, BRIDGE, NETDEV;

  /** The name nft prints ({@code ip}, {@code inet}, ...). */
  public String nftName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The family named by an nft keyword, if it is one. */
  public static Optional<Family> of(String word) {
    for (Family f : values()) {
      if (f.nftName().equals(word)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
