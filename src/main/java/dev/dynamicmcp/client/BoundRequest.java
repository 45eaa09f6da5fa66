package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Futures;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The request the caller holds while {@link SessionRecovery} may send it more than once: bound to each request
 * sent for it, it takes the outcome of the last. A failure recovery takes over (an expired session) is not the
 * outcome: the request is sent again and the new one bound.
 */
final class BoundRequest extends ForwardingRequest {
    private final CompletableFuture<JsonNode> result = new CompletableFuture<>();

    BoundRequest(String method) {
        super(method);
        Futures.onCancel(result, () -> cancel("cancelled by the caller"));
    }

    /** @param takenOver true for a failure that recovery handles (it sends again and binds again) */
    void bind(PendingRequest request, Predicate<Throwable> takenOver) {
        sentAs(request);
        request.result().whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
                return;
            }
            Throwable cause = Failures.unwrap(failure);
            if (!takenOver.test(cause)) {
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
