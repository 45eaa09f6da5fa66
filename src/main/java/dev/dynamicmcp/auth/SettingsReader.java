package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigProblem;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one JSON object of auth settings, collecting a problem (with its key path) for each wrong value
 * instead of stopping at the first. Messages name keys and never repeat a value that may be a secret.
 */
final class SettingsReader {
    private final ObjectNode node;
    private final String server;
    private final String path;
    private final List<ConfigProblem> problems = new ArrayList<>();

    SettingsReader(ObjectNode node, String server, String path) {
        this.node = node;
        this.server = server;
        this.path = path;
    }

    List<ConfigProblem> problems() {
        return problems;
    }

    void problem(String key, String message) {
        problems.add(new ConfigProblem(server, key == null ? path : path + "." + key, message));
    }

    /** Every key not in {@code known} is a problem: a misspelt security setting must never be ignored. */
    void onlyKeys(Set<String> known) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problem(name, "unknown key (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    String string(String key, boolean required) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            if (required) {
                problem(key, "is required");
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problem(key, "must be a non-empty string");
            return null;
        }
        return value.asText().trim();
    }

    boolean bool(String key, boolean fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            problem(key, "must be true or false");
            return fallback;
        }
        return value.asBoolean();
    }

    int integer(String key, int fallback, int min, int max) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < min || value.asInt() > max) {
            problem(key, "must be a whole number from " + min + " to " + max);
            return fallback;
        }
        return value.asInt();
    }

    /** A list of scope-like words: strings without spaces (a space separates scopes on the wire). */
    List<String> words(String key) {
        return words(node.get(key), key);
    }

    List<String> words(JsonNode value, String key) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            problem(key, "must be an array of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isTextual() || item.asText().isBlank() || item.asText().trim().contains(" ")) {
                problem(key + "[" + i + "]", "must be a non-empty string without spaces");
            } else {
                out.add(item.asText().trim());
            }
        }
        return List.copyOf(out);
    }

    Map<String, List<String>> wordLists(String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            problem(key, "must be an object of name: [values]");
            return Map.of();
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        value.fields().forEachRemaining(e -> out.put(e.getKey(), words(e.getValue(), key + "." + e.getKey())));
        return Map.copyOf(out);
    }

    /**
     * An absolute http(s) URI without fragment; plain http only for loopback hosts (OAuth 2.1 §1.5: every
     * authorization server endpoint is HTTPS, a developer's machine aside).
     */
    URI url(String key, boolean required) {
        String text = string(key, required);
        if (text == null) {
            return null;
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
                problem(key, "\"" + text + "\" is not an absolute http(s) URL");
                return null;
            }
            if (uri.getRawFragment() != null) {
                problem(key, "\"" + text + "\" must not have a #fragment");
                return null;
            }
            if (scheme.equals("http") && !ResourceUris.isLoopback(uri.getHost())) {
                problem(key, "\"" + text + "\" must use https (plain http is only for 127.0.0.1 / localhost)");
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            problem(key, "\"" + text + "\" is not a valid URL: " + e.getReason());
            return null;
        }
    }
}
