package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A named set or map of a table. The key type is nft's type name, concatenations joined with {@code " . "}
 * ({@code ipv4_addr . inet_service}); for {@code typeof} declarations it is the type the expression has when the
 * model knows it, else {@code typeof <expr>}. Maps have a data type ({@code verdict}, {@code ipv4_addr}...).
 * Flags are sorted, as nft's JSON lists them.
 */
public record NftSet(String name, boolean map, String keyType, Optional<String> dataType, List<String> flags,
    OptionalLong timeoutSeconds, OptionalLong size, Optional<String> policy, Optional<String> comment,
    List<SetElement> elements) {
  public NftSet {
    Objects.requireNonNull(name);
    Objects.requireNonNull(keyType);
    Objects.requireNonNull(dataType);
    flags = List.copyOf(flags.stream().distinct().sorted().toList());
    Objects.requireNonNull(timeoutSeconds);
    Objects.requireNonNull(size);
    Objects.requireNonNull(policy);
    Objects.requireNonNull(comment);
    elements = List.copyOf(elements);
    if (map != dataType.isPresent()) {
      throw new IllegalArgumentException(map ? "map " + name + " needs a data type" : "set " + name + " has no data type");
    }
  }

  /** The same set with its elements in a canonical order (nft prints interval sets sorted, others hashed). */
  public NftSet withSortedElements() {
    return new NftSet(name, map, keyType, dataType, flags, timeoutSeconds, size, policy, comment,
        elements.stream().sorted(java.util.Comparator.comparing(Object::toString)).toList());
  }
}
