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
}
