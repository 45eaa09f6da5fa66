package dev.dynamicmcp.transport;

import java.io.IOException;

/**
 * An HTTP server answered with a status that is not a success. {@link #status()} lets a factory tell
 * "this is not a Streamable HTTP endpoint" (400, 404, 405 on initialize: fall back to legacy SSE) from
 * other failures.
 */
public class HttpStatusException extends IOException {
    private final int status;

    public HttpStatusException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
