package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The {@code _meta} keys of MCP 2026-07-28 and the per-request envelope a modern client puts on every request
 * (protocol version, client capabilities, client info, and optionally the log level). The revision is
 * stateless: what a 2025 session remembered after {@code initialize} now travels with each request.
 */
public final class McpMeta {
    public static final String PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
    public static final String CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
    public static final String CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
    public static final String LOG_LEVEL = "io.modelcontextprotocol/logLevel";
    public static final String SERVER_INFO = "io.modelcontextprotocol/serverInfo";
    public static final String SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
    public static final String PROGRESS_TOKEN = "progressToken";
    /** W3C trace context: the one un-prefixed exception, kept as the caller gave it. */
    public static final List<String> TRACE_KEYS = List.of("traceparent", "tracestate", "baggage");

    private McpMeta() {
    }

    /** The protocol version a message claims in {@code params._meta}; null when it makes no modern claim. */
    public static String claimedVersion(JsonNode message) {
        JsonNode version = message == null ? null : message.path("params").path("_meta").get(PROTOCOL_VERSION);
        return version != null && version.isTextual() ? version.asText() : null;
    }

    /**
     * A shallow copy of {@code params} whose {@code _meta} carries the modern envelope. What the caller put in
     * {@code _meta} stays (progress token, trace context, and client capabilities, which name the caller's own
     * abilities when a bridge forwards them); version and client info are ours and replace any given.
     *
     * @param capabilities used when the caller's {@code _meta} names none
     * @param logLevel     null: no level (the server then sends no log messages)
     */
    public static ObjectNode withEnvelope(JsonNode params, String protocolVersion, ObjectNode capabilities,
                                          ObjectNode clientInfo, String logLevel) {
        ObjectNode copy = Json.object();
        if (params instanceof ObjectNode object) {
            copy.setAll(object);
        }
        ObjectNode meta = Json.object();
        if (copy.get("_meta") instanceof ObjectNode given) {
            meta.setAll(given);
        }
        meta.put(PROTOCOL_VERSION, protocolVersion);
        if (!(meta.get(CLIENT_CAPABILITIES) instanceof ObjectNode)) {
            meta.set(CLIENT_CAPABILITIES, capabilities == null ? Json.object() : capabilities.deepCopy());
        }
        if (clientInfo != null) {
            meta.set(CLIENT_INFO, clientInfo.deepCopy());
        }
        if (logLevel != null && !meta.has(LOG_LEVEL)) {
            meta.put(LOG_LEVEL, logLevel);
        }
        copy.set("_meta", meta);
        return copy;
    }
}
