package org.nftoffload.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads a device's driver options, refusing unknown keys and bad values with a message naming device and key. */
final class DriverOptions {

  private final DeviceSpec spec;

  DriverOptions(DeviceSpec spec, Set<String> known) {
    this.spec = spec;
    Set<String> unknown = new TreeSet<>(spec.options().keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("device '" + spec.name() + "' (driver " + spec.driver()
          + "): unknown option(s) " + unknown + "; known: " + new TreeSet<>(known));
    }
  }

  String string(String key, String fallback) {
    return spec.options().getOrDefault(key, fallback);
  }

  int integer(String key, int fallback, int min, int max) {
    String v = spec.options().get(key);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("device '" + spec.name() + "': option " + key + "=" + v
          + " is not an integer in " + min + ".." + max);
    }
  }

  int requiredInteger(String key, int min, int max) {
    if (!spec.options().containsKey(key)) {
      throw new IllegalArgumentException("device '" + spec.name() + "' (driver " + spec.driver()
          + "): option " + key + " is required");
    }
    return integer(key, 0, min, max);
  }

  /** The bytes of the file an option names; the option is required. */
  byte[] file(String key) {
    String v = spec.options().get(key);
    if (v == null) {
      throw new IllegalArgumentException("device '" + spec.name() + "' (driver " + spec.driver()
          + "): option " + key + " (a file path) is required");
    }
    try {
      return Files.readAllBytes(Path.of(v));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("device '" + spec.name() + "': option " + key + ": cannot read " + v
          + " (" + e.getMessage() + ")", e);
    }
  }

  Map<String, String> all() {
    return spec.options();
  }
}
