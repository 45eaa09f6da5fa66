package dev.dynamicmcp.manager;

import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;

/**
 * A call could not be routed to an upstream server: it is down, reconnecting, removed, or its circuit
 * breaker is open. Thrown at once, never after waiting for the server. The message names the server, its
 * state and its last error, so it can be shown to the person who made the call.
 */
public class ServerUnavailableException extends McpException {
    private final String server;
    private final ServerState state;

    public ServerUnavailableException(String server, ServerState state, String message, Throwable lastError) {
        super(JsonRpc.SERVER_UNAVAILABLE, message, null, lastError, true);
        this.server = server;
        this.state = state;
    }

    public String server() {
        return server;
    }

    /** The server's state when the call was refused. */
    public ServerState state() {
        return state;
    }
}
