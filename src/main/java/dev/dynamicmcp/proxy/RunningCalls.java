package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.PendingRequest;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The downstream requests each server is serving now, oldest first: how a server's own request (sampling,
 * elicitation, roots) finds the client whose call caused it.
 *
 * <p>A call starts and ends on every request, in any order, with any number of others in flight (a slow tool
 * holding hundreds while fast ones come and go): both take log time in the calls running, kept in start order.
 */
final class RunningCalls {
    /** One downstream request being served by an upstream server. */
    static final class Call {
        private final CallContext context;
        private final String server;
        private final long started;
        /** The request sent upstream for it; set once sent. */
        private volatile PendingRequest upstream;

        Call(CallContext context, String server, long started) {
            this.context = context;
            this.server = server;
            this.started = started;
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

    /** By server, then by when the call started. */
    private final Map<String, NavigableMap<Long, Call>> byServer = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    Call started(CallContext context, String server) {
        Call call = new Call(context, server, sequence.incrementAndGet());
        byServer.computeIfAbsent(server, s -> new ConcurrentSkipListMap<>()).put(call.started, call);
        return call;
    }

    /** Idempotent. */
    void ended(Call call) {
        NavigableMap<Long, Call> calls = byServer.get(call.server());
        if (calls != null) {
            calls.remove(call.started);
        }
    }

    /** The calls running on a server, oldest first (a snapshot). */
    List<Call> on(String server) {
        NavigableMap<Long, Call> calls = byServer.get(server);
        return calls == null ? List.of() : List.copyOf(calls.values());
    }

    /** Each call running on a server, oldest first (no copy: for what every call gets, such as a log line). */
    void forEachOn(String server, Consumer<Call> action) {
        NavigableMap<Long, Call> calls = byServer.get(server);
        if (calls != null) {
            calls.values().forEach(action);
        }
    }
}
