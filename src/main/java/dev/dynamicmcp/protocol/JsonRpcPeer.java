package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Futures;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a JSON-RPC 2.0 connection: correlates our requests with their answers, times them out (and
 * tells the peer with {@code notifications/cancelled}), routes progress notifications to their request, and
 * dispatches the peer's requests and notifications to a {@link Handler}. Used for upstream clients and for
 * downstream sessions alike. Messages are Jackson trees and are never rebuilt, so nothing is lost.
 *
 * <p>Threading: {@link #onMessage} is called by the transport's reader; responses and notifications are
 * handled on that thread in arrival order (so a request's progress is delivered before its answer); the
 * peer's requests run on tasks of the {@link Scheduler}, which also keeps the request timeouts and the clock
 * they are measured with (so a test drives timeouts with a fake clock).
 */
public final class JsonRpcPeer {
    private static final Logger log = LoggerFactory.getLogger(JsonRpcPeer.class);

    /** Sends one message on the underlying channel; may block; must be thread-safe. */
    @FunctionalInterface
    public interface Sender {
        void send(ObjectNode message) throws IOException;

        /**
         * Sends a message that belongs to the peer's request {@code relatedRequestId} (progress, a sampling
         * request during a tool call), so a Streamable HTTP server can put it on that request's stream.
         */
        default void send(ObjectNode message, JsonNode relatedRequestId) throws IOException {
            send(message);
        }

        /**
         * Sends a request without waiting for the channel's answer to it (an HTTP POST's headers): the stage
         * fails as {@link #send} would have thrown. By default the send happens here, on the calling thread.
         */
        default CompletableFuture<Void> sendAsync(ObjectNode message, JsonNode relatedRequestId) {
            try {
                send(message, relatedRequestId);
                return CompletableFuture.completedFuture(null);
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    public interface Handler {
        /**
         * A request from the peer. The future's value becomes the {@code result}; an {@link McpException}
         * becomes the {@code error}. When the peer cancels the request the future is cancelled and nothing is
         * sent back.
         */
        CompletableFuture<JsonNode> onRequest(ObjectNode request);

        /**
         * A request from the peer that came on the stream of our request {@code relatedOutgoingId} (a sampling
         * request during a tool call, over Streamable HTTP).
         */
        default CompletableFuture<JsonNode> onRequest(ObjectNode request, JsonNode relatedOutgoingId) {
            return onRequest(request);
        }

        /** A notification from the peer (not {@code cancelled}, nor progress for one of our requests). */
        void onNotification(ObjectNode notification);
    }

    private final String peerName;
    private final Sender sender;
    private final Handler handler;
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong nextProgressToken = new AtomicLong(1);
    private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();
    private final Map<String, Outgoing> byProgressToken = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<JsonNode>> incoming = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final boolean inlineRequests;
    private final Scheduler scheduler;
    /** The scheduler this peer made for itself (old constructors); closed with the peer. Null when injected. */
    private final Scheduler ownScheduler;
    private volatile Throwable closeCause;

    /**
     * @param peerName who is on the other side, for error messages ("server \"everything\"")
     */
    public JsonRpcPeer(String peerName, Sender sender, Handler handler) {
        this(peerName, sender, handler, false);
    }

    /** Like {@link #JsonRpcPeer(String, Sender, Handler, boolean, Scheduler)} on a scheduler of its own. */
    public JsonRpcPeer(String peerName, Sender sender, Handler handler, boolean inlineRequests) {
        this(peerName, sender, handler, inlineRequests, null);
    }

    /**
     * @param inlineRequests run the handler for the peer's requests on the thread that delivers them instead
     *                       of a scheduler task: for transports that give every incoming request its own
     *                       thread already (an HTTP POST), where the hop would only cost time
     * @param scheduler      timeouts, elapsed time, request dispatch and cancel sends; null makes the peer a
     *                       {@link SystemScheduler} of its own, closed when the peer closes (for tests and tools;
     *                       the proxy passes its one scheduler)
     */
    public JsonRpcPeer(String peerName, Sender sender, Handler handler, boolean inlineRequests, Scheduler scheduler) {
        this.peerName = peerName;
        this.sender = sender;
        this.handler = handler;
        this.inlineRequests = inlineRequests;
        this.ownScheduler = scheduler == null ? new SystemScheduler() : null;
        this.scheduler = scheduler != null ? scheduler : ownScheduler;
    }

    /** The scheduler this peer runs on (injected, or its own). */
    public Scheduler scheduler() {
        return scheduler;
    }

    public String peerName() {
        return peerName;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Number of our requests still waiting for an answer. */
    public int inFlight() {
        return outgoing.size();
    }

    /**
     * Sends a request. The send happens on the calling thread: when it fails (for instance with a
     * {@code SessionExpiredException}) the returned request's result is already completed exceptionally with
     * that exception.
     */
    public PendingRequest request(String method, JsonNode params, RequestOptions options) {
        Outgoing request = new Outgoing(LongNode.valueOf(nextId.getAndIncrement()), method, options);
        ObjectNode message = register(request, params);
        if (message != null) {
            try {
                sender.send(message, options.relatedRequestId());
            } catch (IOException | RuntimeException e) {
                request.sendFailed(e);
            }
            request.afterSend();
        }
        return request;
    }

    /**
     * Like {@link #request(String, JsonNode, RequestOptions)}, with {@link Sender#sendAsync}: the calling thread
     * only hands the request to the channel. A send that fails later fails the request as a thrown one would.
     */
    public PendingRequest requestAsync(String method, JsonNode params, RequestOptions options) {
        Outgoing request = new Outgoing(LongNode.valueOf(nextId.getAndIncrement()), method, options);
        ObjectNode message = register(request, params);
        if (message != null) {
            CompletableFuture<Void> sending;
            try {
                sending = sender.sendAsync(message, options.relatedRequestId());
            } catch (RuntimeException e) {
                sending = CompletableFuture.failedFuture(e);
            }
            sending.whenComplete((done, failure) -> {
                if (failure != null) {
                    request.sendFailed(Failures.unwrap(failure));
                }
            });
            request.afterSend();
        }
        return request;
    }

    /**
     * Makes {@code request} wait (for its answer, its timeout, its progress) and returns the message to send; null
     * when the peer is closed (the request has failed, nothing is sent).
     */
    private ObjectNode register(Outgoing request, JsonNode params) {
        RequestOptions options = request.options;
        if (closed.get()) {
            request.future.completeExceptionally(closedError(request.method));
            return null;
        }
        ObjectNode sentParams = params instanceof ObjectNode object ? object : null;
        if (options.onProgress() != null) {
            sentParams = withProgressToken(sentParams, request.progressToken);
            byProgressToken.put(request.progressToken.asText(), request);
        }
        outgoing.put(request.id.asText(), request);
        request.future.whenComplete((result, failure) -> request.finished());
        request.schedule(options.timeout());
        return JsonRpc.request(request.id, request.method, sentParams != null ? sentParams : params);
    }

    /** Sends a notification; returns false (and logs) when it could not be sent. */
    public boolean sendNotification(String method, JsonNode params) {
        return sendNotification(method, params, null);
    }

    /** Sends a notification that belongs to the peer's request {@code relatedRequestId} (may be null). */
    public boolean sendNotification(String method, JsonNode params, JsonNode relatedRequestId) {
        try {
            sender.send(JsonRpc.notification(method, params), relatedRequestId);
            return true;
        } catch (IOException | RuntimeException e) {
            log.debug("could not send {} to {}: {}", method, peerName, e.toString());
            return false;
        }
    }

    /** Feeds one message that arrived from the peer. */
    public void onMessage(ObjectNode message) {
        onMessage(message, null);
    }

    /** Feeds one message that arrived on the stream of our request {@code relatedOutgoingId} (may be null). */
    public void onMessage(ObjectNode message, JsonNode relatedOutgoingId) {
        JsonRpc.Kind kind;
        try {
            kind = JsonRpc.kind(message);
        } catch (MalformedMessageException e) {
            JsonNode id = message.get("id");
            if (id != null && (id.isTextual() || id.isIntegralNumber()) && !message.has("result")
                    && !message.has("error")) {
                send(JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "invalid request: " + e.getMessage(), null));
            } else {
                log.warn("ignored a malformed message from {}: {}", peerName, e.getMessage());
            }
            return;
        }
        switch (kind) {
            case RESPONSE -> onResponse(message);
            case REQUEST -> {
                if (closed.get()) { // a request racing the end of the session: nobody could get its answer
                    log.debug("ignored {} from {}: the connection is closed", JsonRpc.method(message), peerName);
                    return;
                }
                onRequest(message, relatedOutgoingId);
            }
            case NOTIFICATION -> onNotification(message);
        }
    }

    /**
     * The channel is gone: every request still waiting fails with {@link JsonRpc#CONNECTION_CLOSED}, every
     * request of the peer still running is cancelled. Idempotent.
     */
    public void close(Throwable cause) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeCause = cause;
        for (Outgoing request : new ArrayList<>(outgoing.values())) {
            request.future.completeExceptionally(closedError(request.method));
        }
        for (CompletableFuture<JsonNode> running : new ArrayList<>(incoming.values())) {
            running.cancel(true);
        }
        incoming.clear();
        if (ownScheduler != null) {
            // off the closing thread (often a transport reader): the close waits briefly for our own tasks
            ownScheduler.execute("rpc-close-" + peerName, () -> ownScheduler.close(Duration.ofSeconds(1)));
        }
    }

    private McpException closedError(String method) {
        Throwable cause = closeCause;
        String why = cause == null ? "" : ": " + (cause.getMessage() != null ? cause.getMessage() : cause);
        return McpException.local(JsonRpc.CONNECTION_CLOSED,
                "connection to " + peerName + " closed before it answered " + method + why, cause);
    }

    private void onResponse(ObjectNode message) {
        Outgoing request = outgoing.get(message.get("id").asText());
        if (request == null) {
            log.debug("{} answered request {} which is no longer waiting (timed out or cancelled)",
                    peerName, message.get("id"));
            return;
        }
        JsonNode error = message.get("error");
        if (error != null) {
            // a reader that could not read the answer (over the string limit) says so in our own words
            request.future.completeExceptionally(OversizedMessage.isFailedAnswer(error)
                    ? OversizedMessage.answerError(peerName, request.method) : McpException.fromError(error));
        } else {
            request.future.complete(message.get("result"));
        }
    }

    private void onRequest(ObjectNode message, JsonNode relatedOutgoingId) {
        JsonNode id = message.get("id");
        String key = id.asText();
        CompletableFuture<JsonNode> placeholder = new CompletableFuture<>();
        if (incoming.putIfAbsent(key, placeholder) != null) {
            send(JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "request id " + id + " is already in use", null));
            return;
        }
        Runnable dispatch = () -> handle(message, relatedOutgoingId, id, key, placeholder);
        if (inlineRequests) {
            dispatch.run();
        } else {
            scheduler.execute("rpc-" + JsonRpc.method(message), dispatch);
        }
    }

    private void handle(ObjectNode message, JsonNode relatedOutgoingId, JsonNode id, String key,
                        CompletableFuture<JsonNode> placeholder) {
        CompletableFuture<JsonNode> work;
        try {
            work = relatedOutgoingId == null ? handler.onRequest(message)
                    : handler.onRequest(message, relatedOutgoingId);
        } catch (RuntimeException e) {
            work = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<JsonNode> running = work;
        // cancellation of the placeholder (peer cancelled, or we closed) reaches the handler's future
        Futures.forwardCancel(placeholder, running);
        running.whenComplete((result, failure) -> {
            if (!incoming.remove(key, placeholder) || placeholder.isCancelled()) {
                return; // cancelled by the peer: the spec says no response
            }
            placeholder.complete(result);
            send(failure == null ? JsonRpc.result(id, result) : JsonRpc.error(id, toMcpException(failure)));
        });
    }

    private void onNotification(ObjectNode message) {
        String method = JsonRpc.method(message);
        ObjectNode params = JsonRpc.params(message);
        if (McpMethods.CANCELLED.equals(method)) {
            JsonNode requestId = params.get("requestId");
            CompletableFuture<JsonNode> running = requestId == null ? null : incoming.remove(requestId.asText());
            if (running != null) {
                String reason = params.path("reason").asText("");
                log.debug("{} cancelled request {}: {}", peerName, requestId, reason);
                // the reason travels with the cancellation, so a proxy can pass the peer's own words on
                running.completeExceptionally(new CancellationException(reason.isEmpty() ? "cancelled by the peer" : reason));
            }
            return;
        }
        if (McpMethods.PROGRESS.equals(method)) {
            JsonNode token = params.get("progressToken");
            Outgoing request = token == null ? null : byProgressToken.get(token.asText());
            if (request != null) {
                request.progress(params);
                return;
            }
        }
        try {
            handler.onNotification(message);
        } catch (RuntimeException e) {
            log.warn("handling {} from {} failed", method, peerName, e);
        }
    }

    private void send(ObjectNode message) {
        try {
            sender.send(message);
        } catch (IOException | RuntimeException e) {
            log.debug("could not send a message to {}: {}", peerName, e.toString());
        }
    }

    static McpException toMcpException(Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        if (cause instanceof McpException mcp) {
            return mcp;
        }
        if (cause instanceof CancellationException) {
            return new McpException(JsonRpc.INTERNAL_ERROR, "request cancelled");
        }
        return new McpException(JsonRpc.INTERNAL_ERROR,
                cause.getMessage() != null ? cause.getMessage() : cause.toString(), null, cause);
    }

    private static ObjectNode withProgressToken(ObjectNode params, JsonNode token) {
        ObjectNode copy = params == null ? Json.object() : Json.shallowCopy(params);
        JsonNode meta = copy.get("_meta");
        ObjectNode newMeta = meta instanceof ObjectNode object ? Json.shallowCopy(object) : Json.object();
        newMeta.set("progressToken", token);
        copy.set("_meta", newMeta);
        return copy;
    }

    /** Our request in flight. */
    private final class Outgoing implements PendingRequest {
        final LongNode id;
        final String method;
        final RequestOptions options;
        final CompletableFuture<JsonNode> future = new CompletableFuture<>();
        final TextNode progressToken;
        final long startedNanos = scheduler.nanoTime();
        private volatile Scheduler.Cancellable timeout;

        Outgoing(LongNode id, String method, RequestOptions options) {
            this.id = id;
            this.method = method;
            this.options = options;
            this.progressToken = options.onProgress() == null ? null
                    : TextNode.valueOf(peerName.hashCode() + "-" + nextProgressToken.getAndIncrement());
        }

        @Override
        public JsonNode id() {
            return id;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public CompletableFuture<JsonNode> result() {
            return future;
        }

        @Override
        public void cancel(String reason) {
            if (outgoing.remove(id.asText(), this)) {
                future.completeExceptionally(new CancellationException(reason));
                // the caller may be the transport's reader thread: never write on it
                scheduler.execute("rpc-cancel-" + method, () -> sendCancelled(reason));
            }
        }

        /** The channel could not take the request (a thrown IOException, or a failed async send). */
        void sendFailed(Throwable failure) {
            future.completeExceptionally(failure);
        }

        /** Closed while we were sending: nobody else will fail it. */
        void afterSend() {
            if (closed.get()) {
                future.completeExceptionally(closedError(method));
            }
        }

        void schedule(Duration after) {
            if (after == null || after.isZero() || after.isNegative()) {
                return;
            }
            Scheduler.Cancellable previous = timeout;
            timeout = scheduler.schedule("rpc-timeout-" + method, after, this::timedOut);
            if (previous != null) {
                previous.cancel();
            }
        }

        void progress(ObjectNode params) {
            try {
                options.onProgress().accept(params);
            } catch (RuntimeException e) {
                log.warn("progress listener for {} failed", method, e);
            }
            if (options.resetOnProgress() && options.timeout() != null) {
                long elapsed = scheduler.nanoTime() - startedNanos;
                long left = options.maxTotal() == null ? Long.MAX_VALUE : options.maxTotal().toNanos() - elapsed;
                schedule(Duration.ofNanos(Math.min(options.timeout().toNanos(), Math.max(left, 1))));
            }
        }

        private void timedOut() {
            if (!outgoing.remove(id.asText(), this)) {
                return;
            }
            Duration waited = Duration.ofNanos(scheduler.nanoTime() - startedNanos);
            String reason = peerName + " did not answer " + method + " within " + Durations.format(waited)
                    + "; the request was cancelled";
            // scheduled tasks run on their own thread: whatever depends on this future (retries, writes to a
            // client) may block
            future.completeExceptionally(McpException.local(JsonRpc.REQUEST_TIMEOUT, reason, null));
            if (!McpMethods.INITIALIZE.equals(method)) { // the spec forbids cancelling initialize
                sendCancelled("timeout after " + Durations.format(waited));
            }
        }

        private void sendCancelled(String reason) {
            ObjectNode params = Json.object();
            params.set("requestId", id);
            if (reason != null) {
                params.put("reason", reason);
            }
            sendNotification(McpMethods.CANCELLED, params);
        }

        void finished() {
            boolean wasWaiting = outgoing.remove(id.asText(), this);
            if (progressToken != null) {
                byProgressToken.remove(progressToken.asText(), this);
            }
            Scheduler.Cancellable scheduled = timeout;
            if (scheduled != null) {
                scheduled.cancel();
            }
            if (wasWaiting && future.isCancelled()) { // the caller cancelled the future itself
                sendCancelled("cancelled by the caller");
            }
        }
    }
}
