package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON-RPC error: one a peer answered with, or one we give (timeout, closed connection, server down).
 * The message is meant for people: it names the server and the cause.
 */
public class McpException extends RuntimeException {
    private final int code;
    private final transient JsonNode data;

    public McpException(int code, String message) {
        this(code, message, null, null);
    }

    public McpException(int code, String message, JsonNode data) {
        this(code, message, data, null);
    }

    public McpException(int code, String message, JsonNode data, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.data = data;
    }

    /** An error a peer sent in a response's {@code error} member. */
    public static McpException fromError(JsonNode error) {
        return new McpException(error.path("code").asInt(JsonRpc.INTERNAL_ERROR),
                error.path("message").asText("(no message)"), error.get("data"));
    }

    public int code() {
        return code;
    }

    public JsonNode data() {
        return data;
    }
}
