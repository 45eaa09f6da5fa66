package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.transport.SessionExpiredException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A request handed to the caller before it is sent, bound to the real request as soon as the sending thread
 * has registered it (before the send, which may wait). A cancel before that is applied once it exists; a
 * request the server refused for an expired session is not the outcome: the re-sent one is bound instead.
 */
final class BoundRequest implements PendingRequest {
    private final String method;
    private final CompletableFuture<JsonNode> result = new CompletableFuture<>();
    private volatile PendingRequest target;
    private volatile String cancelledBecause;

    BoundRequest(String method) {
        this.method = method;
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                cancel("cancelled by the caller");
            }
        });
    }

    void bind(PendingRequest request) {
        target = request;
        if (cancelledBecause != null) {
            request.cancel(cancelledBecause);
        }
        request.result().whenComplete((value, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof SessionExpiredException) {
                return; // the client initializes again and binds the re-sent request
            }
            if (failure == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(cause);
            }
        });
    }

    void fail(Throwable failure) {
        result.completeExceptionally(failure);
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
    public CompletableFuture<JsonNode> result() {
        return result;
    }

    @Override
    public void cancel(String reason) {
        cancelledBecause = reason;
        PendingRequest request = target;
        if (request != null) {
            request.cancel(reason);
        } else {
            result.completeExceptionally(new CancellationException(reason));
        }
    }
}
