package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The per-request envelope of MCP 2026-07-28 and later ("modern" revisions): the {@code _meta} keys a request,
 * a result and a listen notification carry, the error codes of the revision, and the small helpers both sides
 * of the proxy use to read and write them. Pure functions over Jackson trees; nothing here knows a transport.
 *
 * <p>Why a class of its own: in the modern revisions there is no {@code initialize}. Protocol version, client
 * capabilities and client info travel with every request, so each edge reads them from here instead of from a
 * session.
 */
public final class McpMeta {
    /** The first modern revision: a version at or after it (compared as text, like the SDK) is modern. */
    public static final String FIRST_MODERN_VERSION = "2026-07-28";
    /** The modern revisions the proxy speaks, newest first. */
    public static final List<String> MODERN_VERSIONS = List.of("2026-07-28");

    public static final String PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
    public static final String CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
    public static final String CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
    public static final String LOG_LEVEL = "io.modelcontextprotocol/logLevel";
    public static final String SERVER_INFO = "io.modelcontextprotocol/serverInfo";
    public static final String SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
    public static final String PROGRESS_TOKEN = "progressToken";
    /** W3C trace context: the one un-prefixed exception, kept as the caller gave it. */
    public static final List<String> TRACE_KEYS = List.of("traceparent", "tracestate", "baggage");
    /** The prefix of every envelope key the revision reserves. */
    public static final String RESERVED_PREFIX = "io.modelcontextprotocol/";

    /** Request headers and body disagree (or a required header is missing or badly encoded); HTTP 400. */
    public static final int HEADER_MISMATCH = -32020;
    /** The request needs a client capability the envelope did not declare; {@code data.requiredCapabilities}. */
    public static final int MISSING_CLIENT_CAPABILITY = -32021;
    /** The claimed revision is not served here; {@code data: {supported, requested}}. */
    public static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;
    /** The 2025-era "resource not found"; the modern revision uses -32602 with {@code data.uri}. */
    public static final int RESOURCE_NOT_FOUND_LEGACY = -32002;

    private McpMeta() {
    }

    /** True for a version named at or after {@link #FIRST_MODERN_VERSION} (the SDK's rule, text order). */
    public static boolean isModernVersion(String version) {
        return version != null && version.compareTo(FIRST_MODERN_VERSION) >= 0;
    }

    /** {@code params._meta} of a message when it is an object, else null. */
    public static ObjectNode requestMeta(JsonNode message) {
        JsonNode meta = message == null ? null : message.path("params").get("_meta");
        return meta instanceof ObjectNode object ? object : null;
    }

    /** True when the message claims a modern envelope: {@code params._meta} names a protocol version key. */
    public static boolean hasClaim(JsonNode message) {
        ObjectNode meta = requestMeta(message);
        return meta != null && meta.has(PROTOCOL_VERSION);
    }

    /** The claimed version when it is a string, else null. */
    public static String claimedVersion(JsonNode message) {
        ObjectNode meta = requestMeta(message);
        JsonNode version = meta == null ? null : meta.get(PROTOCOL_VERSION);
        return version != null && version.isTextual() ? version.asText() : null;
    }

    /**
     * The first problem of a request envelope, as {@code "<key>: <problem>"}, or null when it is valid:
     * protocol version a string, client capabilities an object (both required), client info an object with
     * string name and version when present, log level one of the MCP levels when present.
     */
    public static String envelopeProblem(ObjectNode meta) {
        if (meta == null) {
            return "_meta: missing";
        }
        JsonNode version = meta.get(PROTOCOL_VERSION);
        if (version == null) {
            return PROTOCOL_VERSION + ": missing";
        }
        if (!version.isTextual()) {
            return PROTOCOL_VERSION + ": expected a protocol version string";
        }
        JsonNode capabilities = meta.get(CLIENT_CAPABILITIES);
        if (capabilities == null) {
            return CLIENT_CAPABILITIES + ": missing";
        }
        if (!capabilities.isObject()) {
            return CLIENT_CAPABILITIES + ": expected an object";
        }
        JsonNode info = meta.get(CLIENT_INFO);
        if (info != null && !(info.isObject() && info.path("name").isTextual() && info.path("version").isTextual())) {
            return CLIENT_INFO + ": expected an object with string name and version";
        }
        JsonNode level = meta.get(LOG_LEVEL);
        if (level != null && !LOG_LEVELS.contains(level.asText(null))) {
            return LOG_LEVEL + ": expected one of " + LOG_LEVELS;
        }
        return null;
    }

    /** MCP log levels, most verbose first. */
    public static final List<String> LOG_LEVELS =
            List.of("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency");

    /** The required envelope keys that are missing, for an error that names them ({@code _meta} when none). */
    public static List<String> missingKeys(ObjectNode meta) {
        if (meta == null) {
            return List.of("_meta");
        }
        List<String> missing = new ArrayList<>();
        for (String key : List.of(PROTOCOL_VERSION, CLIENT_CAPABILITIES)) {
            if (!meta.has(key)) {
                missing.add(key);
            }
        }
        return missing.isEmpty() ? List.of(PROTOCOL_VERSION) : missing;
    }

    /**
     * A copy of the request params without the envelope keys the modern revision reserves: what a 2025-era
     * upstream must see (a dual-era server would otherwise take the request for a modern one). Other
     * {@code _meta} keys ({@code progressToken}, {@code traceparent}, vendors' own) stay; an emptied
     * {@code _meta} is removed. The original is untouched; the other members' values are shared with it, as
     * everywhere a forwarded message changes (copy on write, {@link Json#shallowCopy}).
     */
    public static ObjectNode withoutEnvelope(ObjectNode params) {
        JsonNode meta = params.get("_meta");
        if (!(meta instanceof ObjectNode object)) {
            return params;
        }
        ObjectNode copy = Json.shallowCopy(params);
        ObjectNode kept = null; // most envelopes hold only the reserved keys
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().startsWith(RESERVED_PREFIX)) {
                kept = kept == null ? Json.object() : kept;
                kept.set(field.getKey(), field.getValue());
            }
        }
        if (kept == null) {
            copy.remove("_meta");
        } else {
            copy.set("_meta", kept);
        }
        return copy;
    }

    /**
     * The result as a modern client must see it: {@code resultType} (an upstream of an earlier revision sends
     * none, which means complete) and the server info in {@code _meta}, keeping every field it had.
     */
    public static ObjectNode modernResult(JsonNode result, ObjectNode serverInfo) {
        // copies only what is changed (the top level and _meta): the content, often the bulk, is shared
        ObjectNode copy = result instanceof ObjectNode object ? Json.shallowCopy(object) : Json.object();
        if (!copy.has(McpResults.RESULT_TYPE)) {
            copy.put(McpResults.RESULT_TYPE, McpResults.COMPLETE);
        }
        if (serverInfo != null) {
            JsonNode upstreamMeta = copy.get("_meta");
            if (!(upstreamMeta instanceof ObjectNode given && given.has(SERVER_INFO))) {
                ObjectNode meta = upstreamMeta instanceof ObjectNode given ? Json.shallowCopy(given) : Json.object();
                meta.set(SERVER_INFO, serverInfo);
                copy.set("_meta", meta);
            }
        }
        return copy;
    }

    /** The error data of {@link #UNSUPPORTED_PROTOCOL_VERSION}. */
    public static ObjectNode unsupportedVersionData(List<String> supported, String requested) {
        ObjectNode data = Json.object();
        supported.forEach(data.putArray("supported")::add);
        if (requested != null) {
            data.put("requested", requested);
        }
        return data;
    }

    /** The error data of {@link #MISSING_CLIENT_CAPABILITY}: a ClientCapabilities object. */
    public static ObjectNode missingCapabilityData(String capability) {
        ObjectNode data = Json.object();
        data.putObject("requiredCapabilities").putObject(capability);
        return data;
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
