package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request handed out before the real one is sent (it waits for a connection, a breaker permit or a
 * sending thread): its id and cancel reach the real request once there is one, and a cancel that comes
 * first is applied as soon as it is sent.
 */
public abstract class ForwardingRequest implements PendingRequest {
    private final String method;
    private volatile PendingRequest target;
    private volatile String cancelledBecause;

    protected ForwardingRequest(String method) {
        this.method = method;
    }

    /** The request actually sent (again, after a retry); a cancel that came first reaches it now. */
    protected void sentAs(PendingRequest request) {
        target = request;
        String reason = cancelledBecause;
        if (reason != null) {
            request.cancel(reason);
        }
    }

    /** Why the request was cancelled, or null while it was not. */
    protected String cancelledBecause() {
        return cancelledBecause;
    }

    /** Called when a cancel comes before anything was sent. */
    protected void cancelledBeforeSent(String reason) {
    }

    @Override
    public JsonNode id() {
        PendingRequest request = target;
        return request == null ? null : request.id();
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public void cancel(String reason) {
        cancelledBecause = reason;
        PendingRequest request = target;
        if (request != null) {
            request.cancel(reason);
        } else {
            cancelledBeforeSent(reason);
        }
    }
}
