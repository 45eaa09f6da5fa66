package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.protocol.JsonRpcPeer;

/** What the downstream transports tell the proxy about sessions. Called without any transport lock held. */
public interface SessionListener {
    /**
     * A client opened a session (an HTTP initialize without session id, an SSE GET, stdio start). The
     * returned handler receives every request and notification of the session, {@code initialize} included.
     */
    JsonRpcPeer.Handler opened(DownstreamSession session);

    /** The session ended (DELETE, stream gone, idle expiry, stdin closed, proxy shutdown). */
    void closed(DownstreamSession session);

    /**
     * Where requests of the stateless 2026-07-28 revision go; null when this listener serves none (the
     * transports then treat every request as one of a session, as before that revision).
     */
    default ModernEndpoint modern() {
        return null;
    }
}
