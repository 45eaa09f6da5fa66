package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the downstream transports hand a 2026-07-28 ("modern") request to: the stateless counterpart of a
 * session's {@link dev.dynamicmcp.protocol.JsonRpcPeer.Handler}. No session exists; every request carries its
 * own envelope in {@code params._meta}, already validated by the transport (envelope, headers, version).
 *
 * <p>One request, one answer: the returned future completes with the {@code result} or fails with an
 * {@link dev.dynamicmcp.protocol.McpException}. Messages related to the request (progress, log messages,
 * the notifications of a listen stream) go to {@code related} before the answer, on that request's own
 * stream. The transport cancels the future when the client goes away (HTTP connection closed, stdio
 * {@code notifications/cancelled}); the reason is in the {@link java.util.concurrent.CancellationException}.
 */
public interface ModernEndpoint {
    /** The revisions named in {@code -32022} errors; the modern ones first. */
    List<String> supportedVersions();

    /**
     * Serves one request; see the class comment. Never throws: failures are in the future.
     *
     * @param caller the OAuth user the transport authenticated this request as ({@code Principal.key()}, from the
     *               bearer token every modern request carries), or null: the static token, no authentication, stdio
     */
    CompletableFuture<JsonNode> request(ObjectNode request, String caller, Consumer<ObjectNode> related);

    /** A request of no OAuth user. */
    default CompletableFuture<JsonNode> request(ObjectNode request, Consumer<ObjectNode> related) {
        return request(request, null, related);
    }

    /** The transport is stopping: end long-lived requests (listen streams) gracefully while it still can. */
    default void stopping() {
    }
}
