package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Futures;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Requests whose answer a modern session reshapes on the way back. */
final class LocalRequests {
    private LocalRequests() {
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
