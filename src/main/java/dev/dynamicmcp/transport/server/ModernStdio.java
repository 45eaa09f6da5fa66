package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 2026-07-28 revision over the proxy's stdio: the same framing (one message per line), the envelope only in
 * {@code _meta} (no headers), each message classified on its own by {@link EraClassifier}, so one process can
 * serve a client of either era. A modern request is served by the {@link ModernEndpoint}; its related messages
 * (progress, log messages, a listen stream's notifications, which carry their subscription id) and its answer
 * go out as lines. {@code notifications/cancelled} naming a running modern request cancels it (and ends a
 * listen subscription). The proxy never writes a request to a modern client.
 */
final class ModernStdio {
    private static final Logger log = LoggerFactory.getLogger(ModernStdio.class);
    private static final EraClassifier.Headers NO_HEADERS = new EraClassifier.Headers(null, null, null);

    private final ModernEndpoint endpoint;
    private final Consumer<ObjectNode> write;
    /** The modern requests running now, by request id key. */
    private final Map<String, CompletableFuture<JsonNode>> running = new ConcurrentHashMap<>();

    ModernStdio(ModernEndpoint endpoint, Consumer<ObjectNode> write) {
        this.endpoint = endpoint;
        this.write = write;
    }

    /** True when the message was this class's to serve (modern, a refusal, or a cancel of a modern request). */
    boolean offer(JsonNode parsed) {
        if (parsed instanceof ObjectNode message && McpMethods.CANCELLED.equals(message.path("method").asText(null))
                && cancel(JsonRpc.params(message))) {
            return true;
        }
        switch (EraClassifier.classify(parsed, NO_HEADERS)) {
            case EraClassifier.Legacy legacy -> {
                return false;
            }
            case EraClassifier.Reject reject -> {
                write.accept(reject.error());
                return true;
            }
            case EraClassifier.Modern modern -> {
                serve(modern);
                return true;
            }
        }
    }

    private void serve(EraClassifier.Modern modern) {
        ObjectNode message = modern.message();
        try {
            JsonRpc.kind(message);
        } catch (MalformedMessageException e) {
            write.accept(JsonRpc.error(message.has("id") ? message.get("id")
                    : com.fasterxml.jackson.databind.node.NullNode.getInstance(), JsonRpc.INVALID_REQUEST,
                    "invalid request: " + e.getMessage(), null));
            return;
        }
        if (modern.notification()) {
            log.debug("stdio: ignored 2026-07-28 notification {}", JsonRpc.method(message));
            return;
        }
        JsonNode id = message.get("id");
        if (!McpMeta.MODERN_VERSIONS.contains(modern.version())) {
            write.accept(JsonRpc.error(id, McpMeta.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version "
                    + modern.version() + ": this proxy serves " + endpoint.supportedVersions(),
                    McpMeta.unsupportedVersionData(endpoint.supportedVersions(), modern.version())));
            return;
        }
        String key = StreamableSession.key(id);
        CompletableFuture<JsonNode> started;
        try {
            started = endpoint.request(message, null, write); // stdio: nobody is authenticated
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<JsonNode> future = started;
        running.put(key, future);
        future.whenComplete((result, failure) -> {
            running.remove(key, future);
            if (failure == null) {
                write.accept(JsonRpc.result(id, result));
            } else if (!future.isCancelled()) {
                write.accept(JsonRpc.error(id, ModernHttpExchange.asMcp(failure)));
            } // cancelled by the client: the revision sends no answer
        });
    }

    private boolean cancel(ObjectNode params) {
        JsonNode requestId = params.get("requestId");
        CompletableFuture<JsonNode> future = requestId == null ? null : running.get(StreamableSession.key(requestId));
        if (future == null) {
            return false;
        }
        String reason = params.path("reason").asText("cancelled by the client");
        future.completeExceptionally(new CancellationException(reason));
        return true;
    }

    /** The input ended: what still runs is cancelled. */
    void closed() {
        running.values().forEach(f -> f.completeExceptionally(new CancellationException("the stdio input ended")));
    }
}
