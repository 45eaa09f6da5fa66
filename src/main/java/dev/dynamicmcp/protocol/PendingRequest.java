package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

/**
 * An outgoing request in flight. {@link #result()} completes with the {@code result} member, or exceptionally
 * with an {@link McpException} (error answer, timeout, closed connection) or the send failure.
 */
public interface PendingRequest {
    JsonNode id();

    String method();

    CompletableFuture<JsonNode> result();

    /** Gives up on the request and tells the peer with {@code notifications/cancelled}; no-op once answered. */
    void cancel(String reason);

    /**
     * A request that never went on a wire (answered by the proxy itself, or by a client through the revision
     * bridge): no id; {@code onCancel} runs when its sender gives up on it.
     */
    static PendingRequest local(String method, CompletableFuture<JsonNode> result,
                                java.util.function.Consumer<String> onCancel) {
        return new PendingRequest() {
            @Override
            public JsonNode id() {
                return com.fasterxml.jackson.databind.node.NullNode.getInstance();
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
                onCancel.accept(reason);
            }
        };
    }
}
