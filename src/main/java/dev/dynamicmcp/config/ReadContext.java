package dev.dynamicmcp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What reading one config needs: the environment, the folder relative paths start from, and the problems
 * and warnings found so far. The typed readers report a problem and return empty rather than throw, so
 * one pass finds every problem in the file.
 */
final class ReadContext {
    /** Where a value sits: its server (or null) and its key path from the top of the file. */
    record Where(String server, String key) {
        Where child(String name) {
            return new Where(server, key.isEmpty() ? name : key + "." + name);
        }

        Where server(String serverName) {
            return new Where(serverName, key);
        }
    }

    final Map<String, String> env;
    final Path baseDir;
    final List<ConfigProblem> problems = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    /** False while reading a disabled server: its unset variables are not errors (it is not started). */
    boolean strictExpansion = true;

    ReadContext(Map<String, String> env, Path baseDir) {
        this.env = env;
        this.baseDir = baseDir;
    }

    /** The value of {@code key}, or null when it is absent or JSON {@code null} (both mean "not set"). */
    static JsonNode field(ObjectNode node, String key) {
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    void problem(Where where, String message) {
        problems.add(new ConfigProblem(where.server(), where.key().isEmpty() ? null : where.key(), message));
    }

    void warn(Where where, String message) {
        warnings.add(new ConfigProblem(where.server(), where.key().isEmpty() ? null : where.key(), message)
                .describe());
    }

    /**
     * Checks the keys of one object. A near-miss of a known key is a problem, not a warning: the misspelt key
     * would be ignored, and a server started without its {@code "args"} (written {@code "arg"}) runs the bare
     * command and gets JSON-RPC on its stdin. A key of another client's format ({@code otherClients}) is
     * ignored silently, so their files work as they are; any other unknown key is ignored with a warning.
     *
     * @param reported keys whose near-miss another message already names (not reported twice)
     */
    void checkKeys(ObjectNode node, Where where, Set<String> known, Set<String> otherClients, Set<String> reported) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (known.contains(name) || otherClients.contains(name) || reported.contains(name)) {
                continue;
            }
            Optional<String> nearMiss = KeyHints.closest(name, known);
            if (nearMiss.isPresent()) {
                problem(where.child(name), nearMissMessage(nearMiss.get()));
            } else {
                warn(where.child(name), "unknown key, ignored");
            }
        }
    }

    /** {@link #checkKeys} for a section no other client writes into. */
    void checkKeys(ObjectNode node, Where where, Set<String> known) {
        checkKeys(node, where, known, Set.of(), Set.of());
    }

    static String nearMissMessage(String known) {
        return "unknown key; did you mean \"" + known + "\"? (a misspelt key is an error, not ignored)";
    }

    Optional<ObjectNode> object(JsonNode node, Where where) {
        if (node instanceof ObjectNode object) {
            return Optional.of(object);
        }
        problem(where, "must be an object ({ ... }), got " + kind(node));
        return Optional.empty();
    }

    /**
     * A JSON string with variables expanded. Messages never quote the expanded value: it may hold a secret
     * from the environment (tokens, header and env values).
     */
    Optional<String> string(JsonNode node, Where where) {
        if (!node.isTextual()) {
            problem(where, "must be a string, got " + kind(node));
            return Optional.empty();
        }
        return expand(node.textValue(), where);
    }

    /** A string, or a number or boolean taken as its text (common in hand-written env and args). */
    Optional<String> scalar(JsonNode node, Where where) {
        if (node.isNumber() || node.isBoolean()) {
            return Optional.of(node.isNumber() ? node.decimalValue().stripTrailingZeros().toPlainString()
                    : node.asText());
        }
        return string(node, where);
    }

    Optional<String> expand(String raw, Where where) {
        int before = problems.size();
        String value = EnvExpander.expand(raw, env, strictExpansion, message -> problem(where, message));
        return problems.size() == before ? Optional.of(value) : Optional.empty();
    }

    Optional<List<String>> stringList(JsonNode node, Where where) {
        if (!node.isArray()) {
            problem(where, "must be an array of strings ([\"...\"]), got " + kind(node));
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            Optional<String> value = scalar(node.get(i), where.child(Integer.toString(i)));
            ok &= value.isPresent();
            value.ifPresent(values::add);
        }
        return ok ? Optional.of(values) : Optional.empty();
    }

    /** An object of string values (env, headers), keeping file order. */
    Optional<Map<String, String>> stringMap(JsonNode node, Where where) {
        Optional<ObjectNode> object = object(node, where);
        if (object.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        boolean ok = true;
        for (Map.Entry<String, JsonNode> field : object.get().properties()) {
            Where at = where.child(field.getKey());
            if (field.getKey().isEmpty()) {
                problem(at, "a name must not be empty");
                ok = false;
                continue;
            }
            Optional<String> value = scalar(field.getValue(), at);
            ok &= value.isPresent();
            value.ifPresent(v -> values.put(field.getKey(), v));
        }
        return ok ? Optional.of(values) : Optional.empty();
    }

    Optional<Boolean> bool(JsonNode node, Where where) {
        if (node.isBoolean()) {
            return Optional.of(node.booleanValue());
        }
        if (node.isTextual()) {
            Optional<String> text = expand(node.textValue(), where);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            if (text.get().equals("true") || text.get().equals("false")) {
                return Optional.of(Boolean.parseBoolean(text.get()));
            }
            problem(where, "must be true or false, got " + quote(node.textValue()));
            return Optional.empty();
        }
        problem(where, "must be true or false, got " + kind(node));
        return Optional.empty();
    }

    /** A whole number in {@code [min, max]}; a string of digits is accepted too. */
    Optional<Integer> integer(JsonNode node, Where where, long min, long max) {
        return wholeNumber(node, where).flatMap(value -> {
            if (value < min || value > max) {
                problem(where, value + " is out of range (" + range(min, max) + ")");
                return Optional.empty();
            }
            return Optional.of((int) (long) value);
        });
    }

    Optional<Long> wholeNumber(JsonNode node, Where where) {
        BigDecimal number = null;
        if (node.isNumber()) {
            number = node.decimalValue();
        } else if (node.isTextual()) {
            Optional<String> text = expand(node.textValue(), where);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            try {
                number = new BigDecimal(text.get().trim());
            } catch (NumberFormatException notNumber) {
                problem(where, "must be a whole number, got " + quote(node.textValue()));
                return Optional.empty();
            }
        }
        if (number == null) {
            problem(where, "must be a whole number, got " + kind(node));
            return Optional.empty();
        }
        try {
            return Optional.of(number.longValueExact());
        } catch (ArithmeticException notWhole) {
            problem(where, "must be a whole number, got " + number.toPlainString());
            return Optional.empty();
        }
    }

    /** A number in [0, 1]. */
    Optional<Double> fraction(JsonNode node, Where where) {
        if (!node.isNumber()) {
            problem(where, "must be a number between 0 and 1, got " + kind(node));
            return Optional.empty();
        }
        double value = node.doubleValue();
        if (value < 0 || value > 1) {
            problem(where, node.asText() + " is out of range (must be between 0 and 1)");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /**
     * A duration: a number of milliseconds or a string like {@code "500ms"}, {@code "30s"}, {@code "5m"},
     * {@code "1h"}.
     *
     * @param zeroAllowed whether zero makes sense (it means "off" for intervals)
     */
    Optional<Duration> duration(JsonNode node, Where where, boolean zeroAllowed) {
        Optional<Duration> parsed;
        String shown;
        if (node.isNumber()) {
            shown = node.asText();
            try {
                parsed = Optional.of(Duration.ofMillis(node.decimalValue().longValueExact()));
            } catch (ArithmeticException notWhole) {
                problem(where, shown + " is not a whole number of milliseconds (write e.g. \"1.5s\")");
                return Optional.empty();
            }
        } else if (node.isTextual()) {
            shown = quote(node.textValue());
            Optional<String> text = expand(node.textValue(), where);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            if (text.get().trim().startsWith("-")) {
                problem(where, shown + " is negative; a duration must be " + (zeroAllowed ? "0 or more" : "positive"));
                return Optional.empty();
            }
            parsed = Units.parseDuration(text.get());
            if (parsed.isEmpty()) {
                problem(where, shown + " is not a duration (write milliseconds as a number, or a number with"
                        + " ms, s, m or h, e.g. \"30s\")");
                return Optional.empty();
            }
        } else {
            problem(where, "must be a duration (e.g. \"30s\" or 500 for milliseconds), got " + kind(node));
            return Optional.empty();
        }
        Duration value = parsed.get();
        if (value.isNegative() || (value.isZero() && !zeroAllowed)) {
            problem(where, shown + (value.isNegative() ? " is negative" : " is zero") + "; it must be "
                    + (zeroAllowed ? "0 (off) or more" : "positive"));
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** A byte size: a number of bytes or a string like {@code "4MB"} (binary units). */
    Optional<Long> size(JsonNode node, Where where) {
        Optional<Long> parsed;
        String shown;
        if (node.isTextual()) {
            shown = quote(node.textValue());
            Optional<String> text = expand(node.textValue(), where);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            parsed = Units.parseSize(text.get());
            if (parsed.isEmpty()) {
                problem(where, shown + " is not a size (write bytes as a number, or e.g. \"512KB\", \"4MB\")");
                return Optional.empty();
            }
        } else {
            shown = node.asText();
            parsed = wholeNumber(node, where);
        }
        if (parsed.isPresent() && parsed.get() <= 0) {
            problem(where, shown + " must be positive");
            return Optional.empty();
        }
        return parsed;
    }

    /** A value as the user wrote it (before expansion, so no secret from the environment leaks), quoted. */
    static String quote(String raw) {
        String shown = raw.length() > 80 ? raw.substring(0, 77) + "..." : raw;
        return '"' + shown.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\t", "\\t") + '"';
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String range(long min, long max) {
        return max == Integer.MAX_VALUE ? "must be " + min + " or more" : "must be " + min + " to " + max;
    }
}
