package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.PendingRequest;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The downstream requests each server is serving now, oldest first: how a server's own request (sampling,
 * elicitation, roots) finds the client whose call caused it.
 */
final class RunningCalls {
    /** One downstream request being served by an upstream server. */
    static final class Call {
        private final CallContext context;
        private final String server;
        /** The request sent upstream for it; set once sent. */
        private volatile PendingRequest upstream;

        Call(CallContext context, String server) {
            this.context = context;
            this.server = server;
        }

        CallContext context() {
            return context;
        }

        String server() {
            return server;
        }

        void sentAs(PendingRequest request) {
            this.upstream = request;
        }

        /** True once the request sent upstream for it is known (its id can be matched). */
        boolean sent() {
            return upstream != null;
        }

        /** True when this call went upstream under {@code upstreamId}. */
        boolean wentAs(JsonNode upstreamId) {
            PendingRequest request = upstream;
            JsonNode id = request == null ? null : request.id();
            return id != null && id.asText().equals(upstreamId.asText());
        }
    }

    private final Map<String, Deque<Call>> byServer = new ConcurrentHashMap<>();

    Call started(CallContext context, String server) {
        Call call = new Call(context, server);
        byServer.computeIfAbsent(server, s -> new ConcurrentLinkedDeque<>()).addLast(call);
        return call;
    }

    /** Idempotent. */
    void ended(Call call) {
        Deque<Call> calls = byServer.get(call.server());
        if (calls != null) {
            calls.remove(call);
        }
    }

    /** The calls running on a server, oldest first (a snapshot). */
    List<Call> on(String server) {
        Deque<Call> calls = byServer.get(server);
        return calls == null ? List.of() : List.copyOf(calls);
    }
}
