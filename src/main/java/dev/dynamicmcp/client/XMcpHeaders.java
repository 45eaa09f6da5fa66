package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.McpHeaderCodec;
import dev.dynamicmcp.transport.ModernHeaders;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The {@code x-mcp-header} annotations of a 2026-07-28 server's tools: which tool arguments a client must
 * mirror into {@code Mcp-Param-{Name}} headers, and which tools are invalid (the client must not offer
 * those). Learnt from each {@code tools/list} answer; consulted for each {@code tools/call}.
 *
 * <p>The annotation rules: only on a property reached from the schema root through {@code properties}
 * keys alone; a non-empty HTTP token; on a {@code string}, {@code integer} or {@code boolean} property;
 * unique per tool, ignoring case. One found anywhere else (under {@code items}, {@code oneOf}, {@code $defs},
 * ...) makes the tool invalid.
 */
final class XMcpHeaders {
    static final String ANNOTATION = "x-mcp-header";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final Set<String> TYPES = Set.of("string", "integer", "boolean");
    private static final List<String> UNREACHABLE = List.of("items", "prefixItems", "contains",
            "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "propertyNames", "patternProperties",
            "dependentSchemas", "oneOf", "anyOf", "allOf", "not", "if", "then", "else", "$defs", "definitions");
    private static final Set<String> NAME_TO_SCHEMA = Set.of("patternProperties", "dependentSchemas", "$defs",
            "definitions");

    /** One argument to mirror: where it is in {@code arguments} and the header's name. */
    record Declaration(List<String> path, String header) {
    }

    /** Declarations by tool name, from the last tools/list; tools without any are absent. */
    private final Map<String, List<Declaration>> byTool = new ConcurrentHashMap<>();

    /**
     * Scans one tool. Returns its declarations (maybe empty), or null when the tool is invalid, with the
     * reason in {@code problem[0]}.
     */
    static List<Declaration> scan(JsonNode inputSchema, String[] problem) {
        List<Declaration> found = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        String fault = visit(inputSchema, new ArrayList<>(), true, found, seen);
        if (fault != null) {
            problem[0] = fault;
            return null;
        }
        return found;
    }

    private static String visit(JsonNode node, List<String> path, boolean reachable, List<Declaration> found,
                                Map<String, String> seen) {
        if (!(node instanceof ObjectNode schema)) {
            return null;
        }
        if (schema.has(ANNOTATION)) {
            String where = path.isEmpty() ? "<root>" : String.join(".", path);
            if (!reachable || path.isEmpty()) {
                return where + ": x-mcp-header is only allowed on a property reached through 'properties' alone";
            }
            JsonNode raw = schema.get(ANNOTATION);
            if (!raw.isTextual() || raw.asText().isEmpty() || !TOKEN.matcher(raw.asText()).matches()) {
                return where + ": x-mcp-header " + raw + " is not a non-empty HTTP token";
            }
            String type = schema.path("type").asText("");
            if (!TYPES.contains(type)) {
                return where + ": x-mcp-header on a property of type '" + type + "' (only string, integer, boolean)";
            }
            String name = raw.asText();
            String prior = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
            if (prior != null) {
                return "x-mcp-header '" + name + "' is declared twice (also as '" + prior + "')";
            }
            found.add(new Declaration(List.copyOf(path), name));
        }
        if (schema.get("properties") instanceof ObjectNode properties) {
            for (Map.Entry<String, JsonNode> property : properties.properties()) {
                path.add(property.getKey());
                String fault = visit(property.getValue(), path, reachable, found, seen);
                path.remove(path.size() - 1);
                if (fault != null) {
                    return fault;
                }
            }
        }
        for (String keyword : UNREACHABLE) {
            JsonNode sub = schema.get(keyword);
            if (sub == null) {
                continue;
            }
            List<JsonNode> branches = new ArrayList<>();
            if (sub.isArray()) {
                sub.forEach(branches::add);
            } else if (sub.isObject() && NAME_TO_SCHEMA.contains(keyword)) {
                sub.forEach(branches::add);
            } else {
                branches.add(sub);
            }
            path.add("<" + keyword + ">");
            try {
                for (JsonNode branch : branches) {
                    String fault = visit(branch, path, false, found, seen);
                    if (fault != null) {
                        return fault;
                    }
                }
            } finally {
                path.remove(path.size() - 1);
            }
        }
        return null;
    }

    /** Remembers the declarations of the tools of one tools/list page. */
    void learn(String tool, List<Declaration> declarations) {
        if (declarations.isEmpty()) {
            byTool.remove(tool);
        } else {
            byTool.put(tool, List.copyOf(declarations));
        }
    }

    /** The {@code Mcp-Param-*} headers of one {@code tools/call} message. */
    Map<String, String> headersFor(ObjectNode message) {
        JsonNode params = message.path("params");
        List<Declaration> declarations = byTool.get(params.path("name").asText(""));
        if (declarations == null) {
            return Map.of();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Declaration declaration : declarations) {
            JsonNode value = params.path("arguments");
            for (String key : declaration.path()) {
                value = value.path(key);
            }
            String text = asHeaderValue(value);
            if (text != null) {
                headers.put(ModernHeaders.PARAM_PREFIX + declaration.header(), McpHeaderCodec.encode(text));
            }
        }
        return headers;
    }

    /** Strings as they are, integers in decimal, booleans in lower case; null, absent and others: no header. */
    static String asHeaderValue(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isBoolean()) {
            return value.asBoolean() ? "true" : "false";
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isNumber()) {
            double number = value.asDouble();
            if (Double.isFinite(number)) {
                return number == Math.rint(number) && Math.abs(number) < 9.007199254740991E15
                        ? Long.toString((long) number) : value.numberValue().toString();
            }
        }
        return null;
    }
}
