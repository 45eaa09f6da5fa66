package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.McpHeaderCodec;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The request headers of MCP 2026-07-28 over Streamable HTTP, computed from the message itself: an
 * intermediary validates them against the body, so they must say exactly what the body says.
 * {@code MCP-Protocol-Version} (= the {@code _meta} claim), {@code Mcp-Method}, {@code Mcp-Name} for the
 * requests that name a target, and {@code Mcp-Param-*} mirrors of tool arguments (from the client, which
 * knows the tools' schemas).
 */
public final class ModernHeaders {
    public static final String PROTOCOL_VERSION = HttpSession.PROTOCOL_VERSION_HEADER;
    public static final String METHOD = "Mcp-Method";
    public static final String NAME = "Mcp-Name";
    public static final String PARAM_PREFIX = "Mcp-Param-";

    /** No {@code Mcp-Param-*} headers. */
    public static final Function<ObjectNode, Map<String, String>> NO_PARAMS = message -> Map.of();

    private ModernHeaders() {
    }

    /** Every header of the message, in a stable order; empty when the message makes no modern claim. */
    public static Map<String, String> of(ObjectNode message, Function<ObjectNode, Map<String, String>> params) {
        String version = McpMeta.claimedVersion(message);
        if (version == null) {
            return Map.of();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(PROTOCOL_VERSION, version);
        String method = message.path("method").asText(null);
        if (method != null) {
            headers.put(METHOD, method);
            String name = targetName(method, message.path("params"));
            if (name != null) {
                headers.put(NAME, McpHeaderCodec.encode(name));
            }
        }
        if (McpMethods.TOOLS_CALL.equals(method) && params != null) {
            headers.putAll(params.apply(message));
        }
        return headers;
    }

    /** What {@code Mcp-Name} names: the tool or prompt, or the resource URI; null for other methods. */
    static String targetName(String method, JsonNode params) {
        String key = switch (method) {
            case McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET -> "name";
            case McpMethods.RESOURCES_READ -> "uri";
            default -> null;
        };
        JsonNode value = key == null ? null : params.get(key);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    static void apply(org.eclipse.jetty.client.Request request, Map<String, String> headers) {
        request.headers(fields -> headers.forEach(fields::add));
    }
}
