package org.nftoffload.nft;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A named stateful object of a table ({@code counter}, {@code quota}, {@code limit}, {@code ct helper},
 * {@code ct timeout}, {@code ct expectation}, {@code secmark}, {@code synproxy}): its kind, name and
 * configuration as nft names the attributes. Run-time values (counter packets and bytes, quota used) are not kept.
 */
public record StatefulObject(String kind, String name, Map<String, String> attributes, Optional<String> comment) {
  public StatefulObject {
    Objects.requireNonNull(kind);
    Objects.requireNonNull(name);
    attributes = java.util.Collections.unmodifiableMap(new TreeMap<>(attributes));
    Objects.requireNonNull(comment);
  }
}
