package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.dynamicmcp.protocol.PendingRequest;
import java.util.concurrent.CompletableFuture;

/** Requests that never went anywhere: answered at once, by the proxy. */
final class PendingRequests {
    private PendingRequests() {
    }

    /** A request the proxy refuses itself, with {@code failure}. */
    static PendingRequest failed(String method, Throwable failure) {
        CompletableFuture<JsonNode> result = CompletableFuture.failedFuture(failure);
        return new PendingRequest() {
            @Override
            public JsonNode id() {
                return NullNode.getInstance();
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
            }
        };
    }
}
