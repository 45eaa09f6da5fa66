package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Futures;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Requests a modern session answers itself, or whose answer it reshapes on the way back. */
final class LocalRequests {
    private LocalRequests() {
    }

    /** A request answered here without a message to the server (the removed 2025 methods). */
    static PendingRequest answered(String method, CompletableFuture<JsonNode> answer) {
        return new PendingRequest() {
            @Override
            public JsonNode id() {
                return null;
            }

            @Override
            public String method() {
                return method;
            }

            @Override
            public CompletableFuture<JsonNode> result() {
                return answer;
            }

            @Override
            public void cancel(String reason) {
            }
        };
    }

    /** {@code sent}, with its result passed through {@code reshape}; a cancel reaches the sent request. */
    static PendingRequest mapped(PendingRequest sent, Function<JsonNode, JsonNode> reshape) {
        return new Mapped(sent, reshape);
    }

    private static final class Mapped extends ForwardingRequest {
        private final CompletableFuture<JsonNode> result;

        Mapped(PendingRequest sent, Function<JsonNode, JsonNode> reshape) {
            super(sent.method());
            sentAs(sent);
            this.result = Futures.onCancel(sent.result().thenApply(reshape), () -> cancel("cancelled by the caller"));
        }

        @Override
        public CompletableFuture<JsonNode> result() {
            return result;
        }
    }
}
