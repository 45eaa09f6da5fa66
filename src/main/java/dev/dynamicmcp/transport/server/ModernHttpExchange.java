package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the POSTs that {@link EraClassifier} gave to the 2026-07-28 revision: one request per POST, no
 * session, nothing kept after the answer. Checks what the revision asks of a server before anything runs (the
 * claimed version is served here: else 400 -32022; the standard headers agree with the body: else 400
 * -32020), hands the request to the {@link ModernEndpoint} and answers as a session's POST is answered (JSON
 * when the result comes first, SSE once a related message comes or the answer is slow: the same
 * {@link PostAnswer}). A {@code subscriptions/listen} is such a POST whose answer only comes at its end.
 *
 * <p>Status codes as the SDK and the conformance suite expect: -32601 is 404; -32020, -32021, -32022 are 400;
 * every other answer 200. Every error carries the request's id. The client closing the connection cancels the
 * request.
 */
final class ModernHttpExchange {
    private static final Logger log = LoggerFactory.getLogger(ModernHttpExchange.class);

    private final ModernEndpoint endpoint;
    private final HttpTransportOptions options;
    private final Admission admission;
    private final EventBudget budget;
    private final Scheduler scheduler;
    private final KeepAlives keepAlives;

    ModernHttpExchange(ModernEndpoint endpoint, HttpTransportOptions options, Admission admission,
                       EventBudget budget, Scheduler scheduler, KeepAlives keepAlives) {
        this.endpoint = endpoint;
        this.options = options;
        this.admission = admission;
        this.budget = budget;
        this.scheduler = scheduler;
        this.keepAlives = keepAlives;
    }

    /** The HTTP status of a JSON-RPC answer on the modern path. */
    static int statusOf(JsonNode answer) {
        JsonNode error = answer.get("error");
        if (error == null) {
            return 200;
        }
        int code = error.path("code").asInt();
        return switch (code) {
            case JsonRpc.METHOD_NOT_FOUND -> 404;
            case McpMeta.HEADER_MISMATCH, McpMeta.MISSING_CLIENT_CAPABILITY, McpMeta.UNSUPPORTED_PROTOCOL_VERSION -> 400;
            default -> 200;
        };
    }

    void serve(Request request, Response response, Callback callback, EraClassifier.Modern modern,
               EraClassifier.Headers headers) {
        ObjectNode message = modern.message();
        try {
            JsonRpc.kind(message);
        } catch (MalformedMessageException e) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST, "invalid request: " + e.getMessage());
            return;
        }
        if (modern.notification()) {
            // the revision defines no client notification over HTTP (cancelling is closing the stream)
            HttpIo.empty(response, callback, 202);
            return;
        }
        JsonNode id = message.get("id");
        if (!McpMeta.MODERN_VERSIONS.contains(modern.version())) {
            HttpIo.json(response, callback, 400, JsonRpc.error(id, McpMeta.UNSUPPORTED_PROTOCOL_VERSION,
                    "Unsupported protocol version " + modern.version() + ": this proxy serves "
                            + endpoint.supportedVersions() + " (the 2025-era ones with initialize)",
                    McpMeta.unsupportedVersionData(endpoint.supportedVersions(), modern.version())));
            return;
        }
        EraClassifier.Reject badHeaders = EraClassifier.checkStandardHeaders(message, headers);
        if (badHeaders != null) {
            HttpIo.json(response, callback, badHeaders.status(), badHeaders.error());
            return;
        }
        boolean listen = McpMethods.SUBSCRIPTIONS_LISTEN.equals(JsonRpc.method(message));
        Admission.Permit permit;
        try {
            permit = listen ? admission.stream(Request.getRemoteAddr(request))
                    : admission.request(Request.getRemoteAddr(request), new AtomicInteger());
        } catch (Admission.Refused refused) {
            HttpIo.refuse(response, callback, refused, id);
            return;
        }
        PostExchange exchange = new PostExchange(new EventStream(1, options.eventBufferSize(), budget),
                List.of(message));
        String key = StreamableSession.key(id);
        Scheduler.Cancellable[] timers = {Scheduler.Cancellable.NONE, Scheduler.Cancellable.NONE};
        PostAnswer[] self = new PostAnswer[1];
        @SuppressWarnings("unchecked")
        CompletableFuture<JsonNode>[] running = new CompletableFuture[1];
        Consumer<Throwable> gone = failure -> {
            exchange.abandon();
            self[0].abort(failure);
        };
        PostAnswer answer = new PostAnswer(exchange, false, response, callback, keepAlives,
                () -> HttpIo.onDisconnect(request, gone), failure -> {
            timers[0].cancel();
            timers[1].cancel();
            CompletableFuture<JsonNode> future = running[0];
            if (failure != null && future != null && !future.isDone()) {
                log.debug("modern request {} {}: the client left before the answer ({}); cancelling it",
                        JsonRpc.method(message), id, failure.toString());
                future.completeExceptionally(new CancellationException("the client closed the HTTP request"));
            }
            exchange.stream().release();
            permit.release();
        }, ModernHttpExchange::statusOf);
        self[0] = answer;
        answer.attach();
        request.addFailureListener(gone::accept);
        Duration slowAfter = listen ? Duration.ZERO : options.keepAliveInterval();
        timers[0] = scheduler.schedule("mcp-post-slow", slowAfter, answer::slow);
        timers[1] = scheduler.schedule("mcp-post-watch", StreamableHttpHandler.WATCH_AFTER, answer::watch);
        CompletableFuture<JsonNode> future;
        try {
            future = endpoint.request(message, StreamableHttpHandler.callerOf(request),
                    related -> exchange.stream().append(related));
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        running[0] = future;
        future.whenComplete((result, failure) -> {
            if (failure == null) {
                exchange.respond(key, JsonRpc.result(id, result));
            } else if (exchange.isAbandoned()) {
                exchange.cancelledByClient(key);
            } else {
                exchange.respond(key, JsonRpc.error(id, asMcp(failure)));
            }
        });
        answer.iterate();
    }

    /** The JSON-RPC error for a failure: its own code when it is one, else -32603 with what happened. */
    static McpException asMcp(Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        if (cause instanceof McpException mcp) {
            return mcp;
        }
        if (cause instanceof CancellationException) {
            return new McpException(JsonRpc.INTERNAL_ERROR, "the request was cancelled: "
                    + (cause.getMessage() == null ? "by the proxy" : cause.getMessage()));
        }
        return new McpException(JsonRpc.INTERNAL_ERROR, "internal error: " + Failures.describe(cause));
    }
}
