package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON-RPC error: one a peer answered with, or one we give (timeout, closed connection, server down).
 * The message is meant for people: it names the server and the cause.
 */
public class McpException extends RuntimeException {
    private final int code;
    private final transient JsonNode data;
    private final boolean local;

    public McpException(int code, String message) {
        this(code, message, null, null);
    }

    public McpException(int code, String message, JsonNode data) {
        this(code, message, data, null);
    }

    public McpException(int code, String message, JsonNode data, Throwable cause) {
        this(code, message, data, cause, false);
    }

    protected McpException(int code, String message, JsonNode data, Throwable cause, boolean local) {
        super(message, cause);
        this.code = code;
        this.data = data;
        this.local = local;
    }

    /**
     * An error that we give because the peer could not be reached or did not answer (timeout, closed
     * connection, server down), as opposed to an error the peer answered with. Telling them apart by code
     * alone is not possible: servers use -32000 and -32001 for their own errors too.
     */
    public static McpException local(int code, String message, Throwable cause) {
        return new McpException(code, message, null, cause, true);
    }

    /** An error a peer sent in a response's {@code error} member. */
    public static McpException fromError(JsonNode error) {
        // our HTTP transport answers a request whose response was lost with data.transport = true
        boolean madeByOurTransport = error.path("data").path("transport").asBoolean(false);
        return new McpException(error.path("code").asInt(JsonRpc.INTERNAL_ERROR),
                error.path("message").asText("(no message)"), error.get("data"), null, madeByOurTransport);
    }

    /** True for errors of reaching the peer (see {@link #local}); false for the peer's own answers. */
    public boolean isLocal() {
        return local;
    }

    public int code() {
        return code;
    }

    public JsonNode data() {
        return data;
    }
}
