package dev.dynamicmcp.transport;

/**
 * An HTTP server answered with a status that is not a success. {@link #status()} lets a factory tell
 * "this is not a Streamable HTTP endpoint" (400, 404, 405 on initialize: fall back to legacy SSE) from
 * other failures. The response body is in {@link #detail()} only: it may hold the server's internals.
 */
public class HttpStatusException extends UpstreamFailure {
    private final int status;

    /** A status whose message is safe as it is (it carries no body). */
    public HttpStatusException(int status, String message) {
        super(null, message, null);
        this.status = status;
    }

    /**
     * @param what what was sent ("tools/call (id 3)", "GET http://..."), for the detail
     * @param body the start of the response body, for the detail; may be empty
     */
    public HttpStatusException(String server, int status, String what, String body) {
        super(server, "answered HTTP " + status, "answered HTTP " + status + " to " + what
                + (body == null || body.isEmpty() ? "" : ": " + body), null);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
