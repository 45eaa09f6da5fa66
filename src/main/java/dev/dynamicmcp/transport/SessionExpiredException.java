package dev.dynamicmcp.transport;

import java.io.IOException;

/** A Streamable HTTP server no longer knows our Mcp-Session-Id (HTTP 404): initialize again. */
public class SessionExpiredException extends IOException {
    public SessionExpiredException(String message) {
        super(message);
    }
}
