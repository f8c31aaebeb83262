package org.nftoffload.softswitch.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a {@link SoftSwitchConfig} from a YAML or JSON file (JSON is YAML, so one parser reads both). Unknown
 * keys, wrong types and invalid values are refused with a message naming the file, line and key.
 */
public final class ConfigLoader {

  private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private ConfigLoader() {}

  /** The config in {@code file}; an empty file gives the defaults. */
  public static SoftSwitchConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  /** Parses config text; {@code origin} names it in errors. */
  public static SoftSwitchConfig parse(String text, String origin) throws ConfigException {
    if (text.isBlank()) {
      return SoftSwitchConfig.defaults();
    }
    try {
      SoftSwitchConfig c = MAPPER.readValue(text, SoftSwitchConfig.class);
      return c == null ? SoftSwitchConfig.defaults() : c;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(origin + ":" + line(e) + ": unknown key \"" + path(e) + "\" (known there: "
          + e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList() + ")");
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new ConfigException(origin + ":" + line(e) + ": " + cause.getMessage());
    } catch (JsonProcessingException e) {
      String where = e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
          ? " (at " + path(m) + ")" : "";
      throw new ConfigException(origin + ":" + line(e) + ": " + e.getOriginalMessage() + where);
    }
  }

  private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        b.append(b.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else {
        b.append('[').append(ref.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String line(JsonProcessingException e) {
    return e.getLocation() == null ? "?" : Integer.toString(e.getLocation().getLineNr());
  }

  /** A config file the switch refuses. */
  public static final class ConfigException extends Exception {
    public ConfigException(String message) {
      super(message);
    }
  }
}
