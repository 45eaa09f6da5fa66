package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.protocol.JsonRpcPeer;

/**
 * One client connected to the proxy (an agent), over Streamable HTTP, legacy SSE or stdio. The transport
 * owns the session's {@link JsonRpcPeer}: the proxy uses it to send the client requests (sampling,
 * elicitation, roots) and notifications; related messages (progress of a call, a sampling request made
 * during a call) pass the downstream request id so they travel on that request's stream.
 */
public interface DownstreamSession {
    /** The Mcp-Session-Id (HTTP), the SSE session id, or "stdio". */
    String id();

    /** "streamable-http", "sse" or "stdio". */
    String transport();

    JsonRpcPeer peer();

    /** The profile this session was opened on ({@code /mcp/{profile}}, {@code --profile}); null for the default {@code /mcp}. */
    default String profile() {
        return null;
    }

    /**
     * The OAuth user who opened the session ({@code Principal.key()}: issuer and subject), or null when the
     * caller is no OAuth user (static token, no authentication, stdio). Every later request of the session must
     * come from the same user.
     */
    default String caller() {
        return null;
    }

    /** Ends the session: closes its streams; {@link SessionListener#closed} follows. Idempotent. */
    void close();

    /**
     * How a session id appears in logs: its first 8 characters. Enough to tell sessions apart; not enough to
     * take one over (a full Streamable HTTP session id is a bearer credential for that session).
     */
    static String logId(String id) {
        return id == null || id.length() <= 8 ? id : id.substring(0, 8) + "…";
    }
}
