package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.transport.SessionExpiredException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A request handed to the caller before it is sent, bound to the real request as soon as the sending thread
 * has registered it (before the send, which may wait). A request the server refused for an expired session
 * is not the outcome: the re-sent one is bound instead.
 */
final class BoundRequest extends ForwardingRequest {
    private final CompletableFuture<JsonNode> result = new CompletableFuture<>();

    BoundRequest(String method) {
        super(method);
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                cancel("cancelled by the caller");
            }
        });
    }

    void bind(PendingRequest request) {
        sentAs(request);
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
    public CompletableFuture<JsonNode> result() {
        return result;
    }

    @Override
    protected void cancelledBeforeSent(String reason) {
        result.completeExceptionally(new CancellationException(reason));
    }
}
