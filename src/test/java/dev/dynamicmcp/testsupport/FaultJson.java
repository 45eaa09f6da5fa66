package dev.dynamicmcp.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON-RPC shapes for the fault server, written with plain Jackson on purpose: the fault server must not
 * share a line of protocol code with the client it is testing.
 */
final class FaultJson {
    /** Strict about trailing text: two messages on one stdio line are a client bug worth a parse error. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;
    static final int INTERNAL_ERROR = -32603;
    static final int RESOURCE_NOT_FOUND = -32002;

    private FaultJson() {
    }

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Parses one JSON text; a missing or empty text is a parse error too. */
    static JsonNode parse(String text) throws JsonProcessingException {
        JsonNode node = MAPPER.readTree(text);
        if (node == null || node.isMissingNode()) {
            throw new JsonProcessingException("no JSON value in the text") {
            };
        }
        return node;
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = object().put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode response = object().put("jsonrpc", "2.0");
        response.set("id", id == null ? NullNode.instance : id);
        response.putObject("error").put("code", code).put("message", message);
        return response;
    }

    static ObjectNode parseError(String detail) {
        return error(null, PARSE_ERROR, "Parse error: " + detail);
    }

    static ObjectNode notification(String method, ObjectNode params) {
        ObjectNode message = object().put("jsonrpc", "2.0").put("method", method);
        message.set("params", params);
        return message;
    }

    /** A JSON-RPC error raised while handling a request; becomes the request's error response. */
    static final class RpcError extends RuntimeException {
        final int code;

        RpcError(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
