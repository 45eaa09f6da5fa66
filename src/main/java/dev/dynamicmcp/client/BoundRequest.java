package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Futures;
import dev.dynamicmcp.transport.SessionExpiredException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A request handed to the caller before it is sent, bound to the real request as soon as the sending task
 * has registered it (before the send, which may wait). A request the server refused for an expired session
 * is not the outcome: the re-sent one is bound instead.
 */
final class BoundRequest extends ForwardingRequest {
    private final CompletableFuture<JsonNode> result = new CompletableFuture<>();

    BoundRequest(String method) {
        super(method);
        Futures.onCancel(result, () -> cancel("cancelled by the caller"));
    }

    void bind(PendingRequest request) {
        sentAs(request);
        request.result().whenComplete((value, failure) -> {
            Throwable cause = failure == null ? null : Failures.unwrap(failure);
            if (cause instanceof SessionExpiredException) {
                return; // the client initializes again and binds the re-sent request
            }
            if (cause == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(cause);
            }
        });
    }

    /** True when it had not been answered yet. */
    boolean fail(Throwable failure) {
        return result.completeExceptionally(failure);
    }

    @Override
    public CompletableFuture<JsonNode> result() {
        return result;
    }

    @Override
    protected void cancelledBeforeSent(String reason) {
        result.completeExceptionally(new CancellationException(reason));
    }
}
