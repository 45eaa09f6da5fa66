package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Failures;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a server's own requests (sampling/createMessage, elicitation/create, roots/list) to the client whose
 * call caused them. The choice, in order: the call whose upstream stream the request came on (Streamable
 * HTTP names it); else the newest call running on that server whose client has the capability (else the
 * newest call at all, which then refuses clearly); with no call running, the most recent client that
 * announced the capability. A request no client can answer gets a JSON-RPC error that says why. Only clients
 * whose profile exposes the server are candidates: a server outside a client's profile never reaches it.
 */
final class ClientRequestRouter {
    /** How long a human may take to answer an elicitation or approve a sampling request. */
    static final Duration CLIENT_REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private final RunningCalls running;
    private final SessionRegistry sessions;
    private final CatalogKeeper catalogs;

    ClientRequestRouter(RunningCalls running, SessionRegistry sessions, CatalogKeeper catalogs) {
        this.running = running;
        this.sessions = sessions;
        this.catalogs = catalogs;
    }

    /** A request on a server's shared session; {@code relatedUpstreamId} is the call it came with, or null. */
    CompletableFuture<JsonNode> fromShared(String server, ObjectNode request, JsonNode relatedUpstreamId) {
        String capability = McpMethods.clientCapabilityFor(JsonRpc.method(request));
        if (relatedUpstreamId != null && ofEndedCall(server, relatedUpstreamId)) {
            // the server still asks within a call that is over (cancelled, answered): handing the request to
            // whichever call runs now would show one client what another client's call asked
            return CompletableFuture.failedFuture(new McpException(JsonRpc.INTERNAL_ERROR, JsonRpc.method(request)
                    + " from server \"" + server + "\" came within a call that has ended (upstream request "
                    + relatedUpstreamId + "); it is not sent to another call's client"));
        }
        return toClient(chooseShared(server, capability, relatedUpstreamId), server, request);
    }

    /**
     * True when the request came on the stream of an upstream request that no running call went as, while
     * every running call's upstream request is known (one not yet known might be the one it names).
     */
    private boolean ofEndedCall(String server, JsonNode relatedUpstreamId) {
        List<RunningCalls.Call> calls = running.on(server);
        return calls.stream().allMatch(RunningCalls.Call::sent)
                && calls.stream().noneMatch(call -> call.wentAs(relatedUpstreamId));
    }

    /** A request on the isolated upstream session of one client session: it goes to that client. */
    CompletableFuture<JsonNode> fromIsolated(String sessionId, String server, ObjectNode request) {
        Optional<ProxySession> session = sessions.get(sessionId);
        if (session.isPresent() && !session.get().view().exposes(server)) {
            return toClient(null, server, request); // its profile stopped exposing the server meanwhile
        }
        CallContext target = running.on(server).stream()
                .filter(call -> call.context().sessionId().equals(sessionId))
                .reduce((first, second) -> second)
                .map(RunningCalls.Call::context)
                .orElseGet(() -> session.map(ProxySession::sessionContext).orElse(null));
        return toClient(target, server, request);
    }

    CallContext chooseShared(String server, String capability, JsonNode relatedUpstreamId) {
        List<RunningCalls.Call> calls = running.on(server).stream()
                .filter(call -> catalogs.view(call.context().profile()).exposes(server)).toList();
        if (relatedUpstreamId != null) {
            for (RunningCalls.Call call : calls) {
                if (call.wentAs(relatedUpstreamId)) {
                    return call.context();
                }
            }
        }
        RunningCalls.Call newest = null;
        for (int i = calls.size() - 1; i >= 0; i--) {
            RunningCalls.Call call = calls.get(i);
            if (capability == null || call.context().clientCan(capability)) {
                return call.context();
            }
            newest = newest == null ? call : newest;
        }
        if (newest != null) {
            return newest.context(); // refused below, naming the capability its client lacks
        }
        return capability == null ? null
                : sessions.newestWith(capability, session -> session.view().exposes(server))
                .map(ProxySession::sessionContext).orElse(null);
    }


    private static CompletableFuture<JsonNode> toClient(CallContext target, String server, ObjectNode request) {
        String method = JsonRpc.method(request);
        String capability = McpMethods.clientCapabilityFor(method);
        if (target == null) {
            return CompletableFuture.failedFuture(new McpException(JsonRpc.INTERNAL_ERROR,
                    "the proxy has no client session to send " + method + " from server \"" + server + "\" to"));
        }
        if (capability != null && !target.clientCan(capability)) {
            target.requests().missingCapability(method, capability);
            return CompletableFuture.failedFuture(new McpException(JsonRpc.METHOD_NOT_FOUND,
                    "the client behind the proxy does not support " + capability + " (" + method
                            + " from server \"" + server + "\")"));
        }
        PendingRequest pending = target.requests().send(method, request.get("params"), CLIENT_REQUEST_TIMEOUT);
        CompletableFuture<JsonNode> result = pending.result().copy();
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                pending.cancel(reasonOf(failure, "cancelled by server \"" + server + "\""));
            }
        });
        return result;
    }

    /** The reason a cancel carries (a {@link CancellationException} with a message), else {@code otherwise}. */
    static String reasonOf(Throwable failure, String otherwise) {
        Throwable cause = Failures.unwrap(failure);
        String message = cause instanceof CancellationException ? cause.getMessage() : null;
        return message == null || message.isBlank() ? otherwise : message;
    }
}
