package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Streamable HTTP client transport (MCP 2025-03-26 and later): every message is a POST to one URL; the
 * answer comes as a JSON body or as an SSE stream; a GET stream ({@link GetStream}) carries what the server
 * starts by itself. The session's headers live in {@link HttpSession}, a broken answer stream is resumed by
 * {@link SseResumption}, and {@link HttpStreams} owns the open exchanges.
 *
 * <p>Threads: {@link #sendAsync} hands the POST to the HTTP client and returns ({@link #send} waits for its
 * headers); the headers of a success are judged on the client's thread, which also delivers a JSON answer;
 * an HTTP error (its body) and a refusal (new credentials may need a token request) go to a scheduler task.
 * Event streams are read on loops of the scheduler, one per open response stream plus one for the GET stream.
 * So the listener may be called concurrently from several threads; within one stream messages come in order.
 *
 * <p>A request whose answer is lost after {@code send} returned (its stream broke and could not be resumed,
 * or its response headers came later than the connect timeout and carried an HTTP error) is answered by the
 * transport itself with a JSON-RPC error ({@code -32603}, {@code error.data.transport = true}), so the caller
 * is not left waiting for its timeout.
 */
public final class StreamableHttpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(StreamableHttpTransport.class);
    static final String SESSION_HEADER = HttpSession.SESSION_HEADER;
    static final String PROTOCOL_VERSION_HEADER = HttpSession.PROTOCOL_VERSION_HEADER;
    static final String LAST_EVENT_ID_HEADER = HttpStreams.LAST_EVENT_ID_HEADER;
    static final int MAX_EVENT_BYTES = HttpStreams.MAX_EVENT_BYTES;

    enum State { NEW, OPEN, CLOSED }

    private final HttpSession session;
    private final Scheduler scheduler;
    private final Scheduler ownScheduler;
    /** The name of every POST's connect-timeout timer, made once: a POST is the hot path. */
    private final String headersTimerName;
    private final HttpStreams streams;
    private final GetStream getStream;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private volatile ListenerGuard listener;
    /** Set once the server speaks MCP 2026-07-28: Mcp-Param-* headers of tool calls; null for older revisions. */
    private volatile Function<ObjectNode, Map<String, String>> modernParams;
    /** Modern requests still open, by id: a cancel closes the exchange (the revision has no cancel POST). */
    private final Map<String, Runnable> modernAborts = new ConcurrentHashMap<>();

    /**
     * @param client         shared, started HTTP client ({@link UpstreamHttpClient#start}); null to let the
     *                       transport start (and on close stop) its own
     * @param connectTimeout how long response headers may take before send gives up (initialize, notifications)
     *                       or lets a request finish in the background
     */
    public StreamableHttpTransport(String serverName, URI url, Map<String, String> headers, HttpClient client,
                                   Duration connectTimeout) {
        this(serverName, url, headers, client, connectTimeout, null);
    }

    /** @param scheduler runs the readers and reconnect delays; null: one of its own, closed with the transport */
    public StreamableHttpTransport(String serverName, URI url, Map<String, String> headers, HttpClient client,
                                   Duration connectTimeout, Scheduler scheduler) {
        this(serverName, url, headers, client, connectTimeout, scheduler, UpstreamAuth.NONE);
    }

    /**
     * @param auth the upstream's OAuth credentials: their headers go on every request, and a 401 (or 403 with
     *             a challenge) asks them what to do: send once more with new ones, or fail ("needs sign-in")
     */
    public StreamableHttpTransport(String serverName, URI url, Map<String, String> headers, HttpClient client,
                                   Duration connectTimeout, Scheduler scheduler, UpstreamAuth auth) {
        this.session = new HttpSession(serverName, url, headers, client, connectTimeout, auth);
        this.headersTimerName = "headers-" + serverName;
        this.ownScheduler = scheduler == null ? new SystemScheduler() : null;
        this.scheduler = scheduler != null ? scheduler : ownScheduler;
        this.streams = new HttpStreams(session, this.scheduler);
        this.getStream = new GetStream(streams, this.scheduler);
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!state.compareAndSet(State.NEW, State.OPEN)) {
            throw new IllegalStateException("transport of server '" + name() + "' was already started");
        }
        this.listener = new ListenerGuard(name(), listener);
        streams.attach(this.listener);
        log.info("server '{}' streamable-http transport NEW -> OPEN ({})", name(), session.url());
    }

    /** A JSON-mode server sends headers only with the result, and send waits for headers (to see a 404). */
    @Override
    public boolean sendMayWaitForAnswer() {
        return true;
    }

    /** Waits for {@link #sendAsync}: until the response headers came and were judged, or the connect timeout. */
    @Override
    public void send(ObjectNode message) throws IOException {
        CompletableFuture<Void> sent = sendAsync(message);
        try {
            sent.get(); // every POST's stage completes: by its headers, its connect-timeout timer, or the close
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending " + what(message) + " to server '" + name() + "'", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw Failures.asIOException(e.getCause());
        }
    }

    /**
     * Hands the POST to the HTTP client and returns. The stage completes once the response headers came and a
     * success was seen (the body is read as it comes), or when they took longer than the connect timeout: then a
     * request finishes in the background, anything else fails "timed out". It fails as {@link #send} throws: a
     * 404 for our session, an HTTP error, a refusal of the credentials after one retry with new ones.
     */
    @Override
    public CompletableFuture<Void> sendAsync(ObjectNode message) {
        try {
            ensureOpen();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        String method = message.path("method").asText(null);
        boolean isRequest = MessageShape.isRequest(message);
        boolean modernMessage = McpMeta.claimedVersion(message) != null;
        if (modernParams != null && !modernMessage) {
            sendModernSideChannel(message, method);
            return CompletableFuture.completedFuture(null);
        }
        boolean isInitialize = isRequest && "initialize".equals(method);
        if (isInitialize) { // a new session: the old GET stream is over
            session.startNew();
            getStream.stop();
        }
        Map<String, String> modernHeaders = null;
        if (modernMessage) {
            Function<ObjectNode, Map<String, String>> params = modernParams;
            modernHeaders = ModernHeaders.of(message, params == null ? ModernHeaders.NO_PARAMS : params);
        }
        // a stateless request carries no session id; its own _meta gives its headers
        Exchange exchange = new Exchange(method, message.get("id"), isRequest, isInitialize,
                modernMessage ? null : session.sessionId(), modernMessage, Json.writeBytes(message), modernHeaders);
        post(exchange, 0);
        return exchange.sent;
    }

    /**
     * One POST of the exchange (a second after the credentials were renewed). Whichever comes first decides:
     * the headers, judged on the client's thread ({@link #onHeaders}), or the connect timeout. A modern request
     * can be aborted (its stream closed, the revision's cancel) until its response has come.
     */
    private void post(Exchange exchange, int attempt) {
        Request request = session.request(session.url(), exchange.sessionId).method(HttpMethod.POST)
                .headers(fields -> fields.put("Accept", "application/json, text/event-stream"))
                .body(new BytesRequestContent("application/json", exchange.body));
        if (exchange.modernHeaders != null) {
            ModernHeaders.apply(request, exchange.modernHeaders);
        }
        CompletableFuture<HttpAnswer> future = streams.sendAsync(request);
        exchange.current = future;
        if (exchange.sent.isCancelled()) {
            future.cancel(true);
        }
        if (exchange.modern && exchange.requestId != null) {
            String key = exchange.requestId.toString();
            modernAborts.put(key, () -> future.cancel(true));
            future.whenComplete((r, e) -> {
                if (e != null) {
                    modernAborts.remove(key);
                }
            });
        }
        AtomicBoolean waiting = new AtomicBoolean(true);
        Scheduler.Cancellable timer = scheduler.schedule(headersTimerName, session.connectTimeout(), () -> {
            if (waiting.compareAndSet(true, false)) {
                headersLate(exchange, future);
            }
        });
        future.whenComplete((response, failure) -> {
            if (waiting.compareAndSet(true, false)) {
                timer.cancel();
                onHeaders(exchange, attempt, response, failure);
            } else if (exchange.mayFinishLate()) {
                streams.startReader(() -> lateResponse(exchange, response, failure));
            } else if (response != null) {
                response.abort();
            }
        });
    }

    /** No headers within the connect timeout: a request goes on in the background, anything else fails. */
    private void headersLate(Exchange exchange, CompletableFuture<HttpAnswer> future) {
        Duration connectTimeout = session.connectTimeout();
        if (exchange.mayFinishLate()) {
            // a JSON-mode server sends headers only with the result: a long call finishes in the background
            log.debug("server '{}': no headers for {} within {}; waiting in the background", name(),
                    exchange.what(), connectTimeout);
            exchange.sent.complete(null);
            return;
        }
        future.cancel(true);
        exchange.sent.completeExceptionally(new UpstreamFailure(name(), "timed out", "no response headers for "
                + exchange.what() + " within " + connectTimeout, new HttpTimeoutException(exchange.what())));
    }

    /**
     * The headers came in time, on the HTTP client's thread, which must not block: a success is handled here
     * (its JSON body read as it comes); an error's body, or new credentials (a token request), on a task. So is
     * a failed exchange: whoever the failure reaches may do blocking work (a manager closing the client, which
     * ends the session with a DELETE that this very thread would have to answer).
     */
    private void onHeaders(Exchange exchange, int attempt, HttpAnswer response, Throwable failure) {
        if (failure != null) {
            offClientThread("http-failed", () -> exchange.sent.completeExceptionally(
                    failure(exchange, Failures.unwrap(failure))));
            return;
        }
        if (!isSuccess(response.status())) {
            offClientThread("http-" + response.status(), () -> onFailureStatus(exchange, attempt, response));
            return;
        }
        try {
            handleSuccess(exchange, response);
            exchange.sent.complete(null);
        } catch (RuntimeException e) {
            response.abort();
            exchange.sent.completeExceptionally(e);
        }
    }

    /** Runs {@code task} on a scheduler task: it may block, or lead to what blocks. */
    private void offClientThread(String name, Runnable task) {
        scheduler.execute(name + "-" + name(), task);
    }

    /** An HTTP error or a refusal: sent once more with renewed credentials, or the exchange fails. */
    private void onFailureStatus(Exchange exchange, int attempt, HttpAnswer response) {
        try {
            UpstreamAuth.Outcome refusal = session.refusal(response);
            if (refusal == null) {
                handleFailureStatus(exchange, response);
                exchange.sent.complete(null);
                return;
            }
            response.close();
            if (refusal.kind() != UpstreamAuth.Outcome.Kind.RETRY || attempt > 0) {
                throw session.refused(response.status(), exchange.what(), refusal);
            }
            log.debug("server '{}': new credentials; sending {} again", name(), exchange.what());
            post(exchange, attempt + 1);
        } catch (IOException | RuntimeException e) {
            exchange.sent.completeExceptionally(e);
        }
    }

    /** Headers came after send had returned: an HTTP error can only reach the caller as an error response. */
    private void lateResponse(Exchange exchange, HttpAnswer response, Throwable failure) {
        if (state.get() != State.OPEN) {
            if (response != null) {
                response.abort();
            }
            return;
        }
        try {
            if (failure != null) {
                throw failure(exchange, failure);
            }
            // too late to send it again: a refusal fails the request, and the next one goes with new credentials
            UpstreamAuth.Outcome refusal = session.refusal(response);
            if (refusal != null) {
                response.close();
                throw session.refused(response.status(), exchange.what(), refusal);
            }
            handleResponse(exchange, response);
        } catch (UpstreamFailure e) {
            listener.failRequest(exchange.requestId, e.getMessage(), e.detail());
        } catch (IOException e) {
            listener.failRequest(exchange.requestId, e.getMessage());
        }
    }

    private IOException failure(Exchange exchange, Throwable cause) {
        if (state.get() != State.OPEN) {
            return new IOException("transport of server '" + name() + "' was closed while sending " + exchange.what());
        }
        return UpstreamFailure.ofHttp(name(), "sending " + exchange.what() + " to " + session.url(), cause);
    }

    /**
     * A message without a modern claim once the server speaks 2026-07-28: a cancel closes the request's
     * stream (how that revision cancels over HTTP); the notifications it removed are not sent at all.
     */
    private void sendModernSideChannel(ObjectNode message, String method) {
        if (McpMethods.CANCELLED.equals(method)) {
            Runnable abort = modernAborts.remove(message.path("params").path("requestId").toString());
            if (abort != null) {
                abort.run();
            }
            return;
        }
        log.debug("server '{}': not sending {} to a 2026-07-28 server (the revision has no such message)", name(),
                what(message));
    }

    /** Status handling of an answer whose headers came late (on a reader loop). */
    private void handleResponse(Exchange exchange, HttpAnswer response) throws IOException {
        if (isSuccess(response.status())) {
            handleSuccess(exchange, response);
        } else {
            handleFailureStatus(exchange, response);
        }
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status <= 299;
    }

    /**
     * A status that is no success: a modern server's JSON-RPC error is delivered (and this returns); otherwise
     * the failure is thrown. Reads the body: never on the HTTP client's thread.
     */
    private void handleFailureStatus(Exchange exchange, HttpAnswer response) throws IOException {
        int status = response.status();
        if (exchange.modern && status >= 400 && status <= 499 && exchange.requestId != null
                && deliveredModernError(exchange, response)) {
            return;
        }
        if (status == 404 && exchange.sessionId != null) {
            response.close();
            if (session.expired(exchange.sessionId)) {
                getStream.stop();
            }
            throw new SessionExpiredException(name(), "server '" + name() + "' no longer knows session "
                    + exchange.sessionId + " (HTTP 404 to " + exchange.what() + "); initialize again");
        }
        throw new HttpStatusException(name(), status, exchange.what(), HttpBodies.errorSnippet(response));
    }

    /** A 2xx answer; never blocks (it may run on the HTTP client's thread): a stream is read on a reader loop. */
    private void handleSuccess(Exchange exchange, HttpAnswer response) {
        int status = response.status();
        if (exchange.isInitialize) {
            session.assigned(response.header(SESSION_HEADER));
        }
        String contentType = contentType(response);
        if (exchange.modern && exchange.requestId != null) {
            String key = exchange.requestId.toString();
            // from the canceller's thread: abort (thread-safe), never read the body
            if (modernAborts.replace(key, response::abort) == null) { // cancelled meanwhile
                response.abort();
                return;
            }
        }
        if (status == 202 || status == 204) {
            response.close();
        } else if (contentType.startsWith("text/event-stream")) {
            readResponseStream(exchange, response);
        } else if (contentType.startsWith("application/json")) {
            // one complete JSON document, usually whole in the client's buffer already: delivered from here,
            // the client's thread, without a hop (the listener must not block for long)
            response.readBytesAsync(HttpBodies.MAX_BODY_BYTES).whenComplete((body, failure) -> {
                response.close();
                deliverJsonBody(exchange, body, failure);
                if (exchange.modern && exchange.requestId != null) {
                    modernAborts.remove(exchange.requestId.toString());
                }
            });
        } else {
            streams.startReader(() -> readUnexpectedBody(exchange, contentType, response));
        }
    }

    private static String contentType(HttpAnswer response) {
        String value = response.header("Content-Type");
        return value == null ? "" : value.toLowerCase(Locale.ROOT);
    }

    /**
     * A 2026-07-28 server answers protocol errors (-32022 unsupported version, -32601 unknown method, ...) with
     * HTTP 4xx and the JSON-RPC error in the body: that error is the answer. False when the body is not an
     * answer to this request (an older server's plain 400/404/405), so the status is the failure.
     */
    private boolean deliveredModernError(Exchange exchange, HttpAnswer response) throws IOException {
        String contentType = contentType(response);
        String text = HttpBodies.readAll(response);
        modernAborts.remove(exchange.requestId.toString());
        if (contentType.startsWith("application/json")) {
            try {
                JsonNode body = Json.parse(text);
                JsonNode id = body.get("id");
                // ids compare as the peer matches them (by text): 1 parsed back is an int, ours a long
                if (body instanceof ObjectNode answer && answer.has("error") && id != null && id.isValueNode()
                        && id.asText().equals(exchange.requestId.asText())) {
                    listener.deliverJson(text, () -> "the response to " + exchange.what(), exchange.requestId);
                    return true;
                }
            } catch (RuntimeException notJson) {
                // not an answer: the status tells
            }
        }
        throw new HttpStatusException(name(), response.status(), exchange.what(), MessageShape.snippet(text));
    }

    private void deliverJsonBody(Exchange exchange, byte[] body, Throwable failure) {
        if (failure != null) {
            Throwable cause = Failures.unwrap(failure);
            if (state.get() == State.OPEN && exchange.requestId != null) {
                offClientThread("http-body-failed", () -> listener.failRequest(exchange.requestId,
                        "the response body to " + exchange.what() + " could not be read ("
                                + UpstreamFailure.kindOf(cause) + ")", cause.toString()));
            }
            return;
        }
        if (isBlank(body)) {
            if (exchange.requestId != null) {
                listener.failRequest(exchange.requestId, "server answered " + exchange.what() + " with an empty body");
            }
            return;
        }
        if (!listener.deliverJson(body, () -> "the response to " + exchange.what(), exchange.requestId)
                && exchange.requestId != null) {
            listener.failRequest(exchange.requestId, "the response body to " + exchange.what() + " did not answer it");
        }
    }

    /** Nothing but JSON whitespace (what {@code String.isBlank} found in the decoded text before). */
    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private void readUnexpectedBody(Exchange exchange, String contentType, HttpAnswer body) {
        String text;
        try {
            text = HttpBodies.readAll(body);
        } catch (IOException e) {
            text = "";
        }
        if (!text.isBlank() || exchange.requestId != null) {
            listener.badInput("the response to " + exchange.what() + " has content type '" + contentType + "': "
                    + MessageShape.snippet(text));
            if (exchange.requestId != null) {
                listener.failRequest(exchange.requestId, "unexpected content type '" + contentType + "'");
            }
        }
    }

    /**
     * An SSE response to a POST, read as its bytes come (no thread waits on it); if it ends before the answer and
     * had event ids, it is resumed with GETs.
     */
    private void readResponseStream(Exchange exchange, HttpAnswer body) {
        streams.readEventsAsync(body, () -> "the stream answering " + exchange.what(), exchange.requestId,
                (events, answered) -> {
                    if (exchange.modern && exchange.requestId != null) {
                        modernAborts.remove(exchange.requestId.toString());
                    }
                    if (answered || exchange.requestId == null || state.get() != State.OPEN) {
                        return;
                    }
                    if (exchange.modern) { // 2026-07-28 has no resumption: a broken stream fails its request
                        listener.failRequest(exchange.requestId, "the stream answering " + exchange.what()
                                + " ended before the response");
                        return;
                    }
                    String lastEventId = events.lastEventId();
                    long retryMillis = events.retryMillis();
                    // a resumption waits and GETs: on a reader of its own, never on the client's thread
                    streams.startReader(() -> SseResumption.afterEarlyEnd(streams, exchange.what(), exchange.requestId,
                            lastEventId, retryMillis));
                });
    }

    /** Opens the GET stream for server-initiated messages and sends {@code MCP-Protocol-Version} from now on. */
    @Override
    public void onInitialized(String protocolVersion) {
        if (state.get() != State.OPEN) {
            return;
        }
        session.negotiated(protocolVersion);
        getStream.open();
    }

    /** From now on the server speaks 2026-07-28: stateless requests, no GET stream (listen replaces it). */
    @Override
    public void onModernRevision(String protocolVersion, Function<ObjectNode, Map<String, String>> paramHeaders) {
        modernParams = paramHeaders == null ? ModernHeaders.NO_PARAMS : paramHeaders;
        getStream.stop();
    }

    /** The session id the server gave on initialize; null before, after expiry, or for a stateless server. */
    public String sessionId() {
        return session.sessionId();
    }

    @Override
    public String describe() {
        return "streamable-http: " + session.url();
    }

    /** Stops the streams, ends the session on the server (DELETE; 405 is fine) and reports onClosed(null). */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        getStream.stop();
        streams.close();
        String id = session.sessionId();
        if (id != null) {
            deleteSession(id);
        }
        session.release();
        log.info("server '{}' streamable-http transport {} -> CLOSED (close requested)", name(), previous);
        if (listener != null) {
            listener.closed(null);
        }
        if (ownScheduler != null) {
            ownScheduler.close(Duration.ofSeconds(1));
        }
    }

    private void deleteSession(String id) {
        Request request = session.request(session.url(), id).method(HttpMethod.DELETE);
        CompletableFuture<HttpAnswer> answer = session.send(request);
        try {
            HttpAnswer response = answer.get(session.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            response.close();
            log.debug("server '{}': DELETE of session {} answered HTTP {}", name(), HttpSession.shortId(id),
                    response.status());
        } catch (ExecutionException | TimeoutException e) {
            answer.cancel(true);
            log.debug("server '{}': DELETE of session {} failed: {}", name(), HttpSession.shortId(id),
                    Failures.describe(e));
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
        }
    }

    private void ensureOpen() throws IOException {
        State current = state.get();
        if (current != State.OPEN) {
            throw new UpstreamFailure(name(), "is not connected (transport " + current.name().toLowerCase(Locale.ROOT)
                    + ")", null);
        }
    }

    private String name() {
        return session.serverName();
    }

    private static String what(ObjectNode message) {
        return what(message.path("method").asText(null), message.get("id"));
    }

    /** How failures and logs name a message: its method and id, or the response it is. */
    private static String what(String method, JsonNode id) {
        if (method == null) {
            return "the response to request " + id;
        }
        return id != null ? method + " (id " + id + ")" : method;
    }

    /**
     * One message's POST (twice, when the credentials were renewed): what it was for, so its failures can name it
     * and its answer can be recognised; and its stage, which {@link #sendAsync} returned.
     */
    private static final class Exchange {
        /** The message's method (null for a response) and id (null for a notification), to name it by. */
        private final String method;
        private final JsonNode id;
        final JsonNode requestId;
        final boolean isInitialize;
        final String sessionId;
        final boolean modern;
        final byte[] body;
        final Map<String, String> modernHeaders;
        final CompletableFuture<Void> sent = new CompletableFuture<>();
        /** The POST under way; cancelling the stage aborts it. */
        volatile CompletableFuture<HttpAnswer> current;

        Exchange(String method, JsonNode id, boolean isRequest, boolean isInitialize, String sessionId, boolean modern,
                 byte[] body, Map<String, String> modernHeaders) {
            this.method = method;
            this.id = id;
            this.requestId = isRequest ? id : null;
            this.isInitialize = isInitialize;
            this.sessionId = sessionId;
            this.modern = modern;
            this.body = body;
            this.modernHeaders = modernHeaders;
            sent.whenComplete((done, failure) -> {
                CompletableFuture<HttpAnswer> post = current;
                if (failure instanceof CancellationException && post != null) {
                    post.cancel(true);
                }
            });
        }

        /** What the exchange sends, as failures name it: made when one needs it, not for every POST. */
        String what() {
            return StreamableHttpTransport.what(method, id);
        }

        /** A request (not initialize) whose headers come late is left to finish in the background. */
        boolean mayFinishLate() {
            return requestId != null && !isInitialize;
        }
    }
}
