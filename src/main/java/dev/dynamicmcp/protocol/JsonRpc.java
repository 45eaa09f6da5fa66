package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON-RPC 2.0 message shapes and error codes, over Jackson trees. */
public final class JsonRpc {
    public static final String VERSION = "2.0";

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** The connection to the peer closed before the answer came (same code as the TypeScript SDK). */
    public static final int CONNECTION_CLOSED = -32000;
    /** The peer did not answer in time; the request was cancelled (same code as the TypeScript SDK). */
    public static final int REQUEST_TIMEOUT = -32001;
    /** An upstream server is down, connecting, or its circuit breaker is open. */
    public static final int SERVER_UNAVAILABLE = -32010;
    /** MCP 2026-07-28: an HTTP header disagrees with the body (or is missing or malformed). */
    public static final int HEADER_MISMATCH = -32020;
    /** MCP 2026-07-28: the request needs a client capability the request's {@code _meta} did not declare. */
    public static final int MISSING_CLIENT_CAPABILITY = -32021;
    /** MCP 2026-07-28: the claimed protocol version is not supported; {@code data.supported} lists those that are. */
    public static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

    public enum Kind { REQUEST, NOTIFICATION, RESPONSE }

    private JsonRpc() {
    }

    public static ObjectNode request(JsonNode id, String method, JsonNode params) {
        ObjectNode message = Json.object().put("jsonrpc", VERSION);
        message.set("id", id);
        message.put("method", method);
        if (params != null && !params.isNull() && !params.isMissingNode()) {
            message.set("params", params);
        }
        return message;
    }

    public static ObjectNode notification(String method, JsonNode params) {
        ObjectNode message = Json.object().put("jsonrpc", VERSION).put("method", method);
        if (params != null && !params.isNull() && !params.isMissingNode()) {
            message.set("params", params);
        }
        return message;
    }

    public static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode message = Json.object().put("jsonrpc", VERSION);
        message.set("id", id);
        message.set("result", result == null || result.isNull() ? Json.object() : result);
        return message;
    }

    public static ObjectNode error(JsonNode id, int code, String text, JsonNode data) {
        ObjectNode error = Json.object().put("code", code).put("message", text);
        if (data != null && !data.isNull() && !data.isMissingNode()) {
            error.set("data", data);
        }
        ObjectNode message = Json.object().put("jsonrpc", VERSION);
        message.set("id", id == null ? Json.object().nullNode() : id);
        message.set("error", error);
        return message;
    }

    public static ObjectNode error(JsonNode id, McpException e) {
        return error(id, e.code(), e.getMessage(), e.data());
    }

    /**
     * Tells what a parsed JSON value is, or throws {@link MalformedMessageException} saying why it is not a
     * JSON-RPC 2.0 message.
     */
    public static Kind kind(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new MalformedMessageException("a JSON-RPC message must be a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        JsonNode version = node.get("jsonrpc");
        if (version == null || !VERSION.equals(version.asText(null))) {
            throw new MalformedMessageException("\"jsonrpc\" must be \"2.0\"");
        }
        JsonNode method = node.get("method");
        JsonNode id = node.get("id");
        if (method != null) {
            if (!method.isTextual() || method.asText().isEmpty()) {
                throw new MalformedMessageException("\"method\" must be a non-empty string");
            }
            JsonNode params = node.get("params");
            if (params != null && !params.isObject() && !params.isArray() && !params.isNull()) {
                throw new MalformedMessageException("\"params\" must be an object or an array");
            }
            if (id == null) {
                return Kind.NOTIFICATION;
            }
            checkId(id, false);
            return Kind.REQUEST;
        }
        if (node.has("result") || node.has("error")) {
            if (node.has("result") && node.has("error")) {
                throw new MalformedMessageException("a response has either \"result\" or \"error\", not both");
            }
            if (id == null) {
                throw new MalformedMessageException("a response needs an \"id\"");
            }
            checkId(id, true);
            if (node.has("error")) {
                JsonNode error = node.get("error");
                if (!error.isObject() || !error.path("code").isIntegralNumber()) {
                    throw new MalformedMessageException("\"error\" must be an object with an integer \"code\"");
                }
            }
            return Kind.RESPONSE;
        }
        throw new MalformedMessageException("a JSON-RPC message needs \"method\", \"result\" or \"error\"");
    }

    private static void checkId(JsonNode id, boolean nullAllowed) {
        if (id.isTextual() || id.isIntegralNumber() || (nullAllowed && id.isNull())) {
            return;
        }
        throw new MalformedMessageException("\"id\" must be a string or an integer");
    }

    /** The params object of a message; an empty object when it has none. */
    public static ObjectNode params(JsonNode message) {
        JsonNode params = message.get("params");
        return params instanceof ObjectNode object ? object : Json.object();
    }

    public static String method(JsonNode message) {
        return message.path("method").asText(null);
    }
}
