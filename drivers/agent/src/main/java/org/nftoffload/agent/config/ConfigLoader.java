package org.nftoffload.agent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads an {@link AgentConfig} from YAML (JSON is YAML too). Unknown keys, wrong types and invalid
 * values are errors that name the file, line, column and key path.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ConfigLoader() {
    }

    /** Loads and validates the config in {@code file}. */
    public static AgentConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage(), e);
        }
        return parse(file.toString(), text);
    }

    /** Parses config {@code text}; {@code source} names it in errors. */
    public static AgentConfig parse(String source, String text) throws ConfigException {
        if (text.isBlank()) {
            return AgentConfig.defaults();
        }
        try {
            checkKeys(source, text);
            AgentConfig config = YAML.readValue(text, AgentConfig.class);
            return config == null ? AgentConfig.defaults() : config;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new ConfigException(source + where(e.getLocation()) + ": unknown key \"" + path(e)
                    + "\" (known keys here: " + known + ")", e);
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String detail = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
            throw new ConfigException(source + where(e.getLocation()) + ": " + (path(e).isEmpty() ? "" : path(e) + ": ")
                    + detail, e);
        } catch (IOException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    /**
     * Walks the document and rejects keys that are not components of the record at that place, with
     * the key's own line and column (Jackson only notices unknown keys after buffering a whole record).
     */
    private static void checkKeys(String source, String text) throws IOException, ConfigException {
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                checkObject(source, p, AgentConfig.class, "");
            }
        }
    }

    private static void checkObject(String source, JsonParser p, Class<?> type, String path)
            throws IOException, ConfigException {
        Map<String, Class<?>> components = new TreeMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            components.put(c.getName(), c.getType());
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonLocation at = p.currentTokenLocation();
            Class<?> child = components.get(key);
            if (child == null) {
                throw new ConfigException(source + where(at) + ": unknown key \"" + path + key
                        + "\" (known keys here: " + String.join(", ", components.keySet()) + ")", null);
            }
            JsonToken value = p.nextToken();
            if (value == JsonToken.START_OBJECT && child.isRecord()) {
                checkObject(source, p, child, path + key + ".");
            } else {
                p.skipChildren();
            }
        }
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : ":" + location.getLineNr() + ":" + location.getColumnNr();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
