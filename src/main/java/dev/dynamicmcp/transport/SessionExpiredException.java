package dev.dynamicmcp.transport;

/** A Streamable HTTP server no longer knows our Mcp-Session-Id (HTTP 404): initialize again. */
public class SessionExpiredException extends UpstreamFailure {
    public SessionExpiredException(String message) {
        super(null, message, null);
    }

    /** @param detail names the session and the exchange; for the log only (session ids are credentials) */
    public SessionExpiredException(String server, String detail) {
        super(server, "forgot our session (HTTP 404)", detail, null);
    }
}
