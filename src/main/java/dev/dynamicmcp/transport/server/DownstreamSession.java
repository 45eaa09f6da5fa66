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

    /** Ends the session: closes its streams; {@link SessionListener#closed} follows. Idempotent. */
    void close();
}
