package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Streamable HTTP client transport (MCP 2025-03-26 and later): every message is a POST to one URL; the
 * answer comes as a JSON body or as an SSE stream; a GET stream carries what the server starts by itself.
 *
 * <p>Threads: {@link #send} returns once the POST's response headers arrived; bodies are read on virtual
 * threads, one per open response stream plus one for the GET stream, and each calls the listener. So the
 * listener may be called concurrently from several threads; within one stream messages come in order.
 *
 * <p>A request whose answer is lost after {@code send} returned (its stream broke and could not be resumed,
 * or its response headers came later than the connect timeout and carried an HTTP error) is answered by the
 * transport itself with a JSON-RPC error ({@code -32603}, {@code error.data.transport = true}), so the caller
 * is not left waiting for its timeout.
 */
public final class StreamableHttpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(StreamableHttpTransport.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String PROTOCOL_VERSION_HEADER = "MCP-Protocol-Version";
    static final String LAST_EVENT_ID_HEADER = "Last-Event-ID";
    static final int MAX_EVENT_CHARS = 64 * 1024 * 1024;
    private static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    /** Resumption attempts in a row that bring no new event before a request is given up. */
    private static final int MAX_RESUMES_WITHOUT_PROGRESS = 3;

    enum State { NEW, OPEN, CLOSED }

    private final String serverName;
    private final URI url;
    private final Map<String, String> headers;
    private final HttpClient client;
    private final boolean ownsClient;
    private final Duration connectTimeout;

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Set<CompletableFuture<?>> pendingExchanges = ConcurrentHashMap.newKeySet();
    private final Set<InputStream> openBodies = ConcurrentHashMap.newKeySet();
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    /** Bumped whenever the GET stream must stop (new session, close), so an old loop ends by itself. */
    private final AtomicInteger getStreamGeneration = new AtomicInteger();

    private volatile ListenerGuard listener;
    private volatile String sessionId;
    private volatile String protocolVersion;

    /**
     * @param client         shared HTTP client; null to let the transport create (and on close shut down) its own
     * @param connectTimeout how long response headers may take before send gives up (initialize, notifications)
     *                       or lets a request finish in the background
     */
    public StreamableHttpTransport(String serverName, URI url, Map<String, String> headers, HttpClient client,
                                   Duration connectTimeout) {
        this.serverName = Objects.requireNonNull(serverName, "serverName");
        this.url = Objects.requireNonNull(url, "url");
        this.headers = headers == null ? Map.of() : Map.copyOf(headers);
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.ownsClient = client == null;
        this.client = client != null ? client : HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        HeaderCheck.check(this.headers, serverName);
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!state.compareAndSet(State.NEW, State.OPEN)) {
            throw new IllegalStateException("transport of server '" + serverName + "' was already started");
        }
        this.listener = new ListenerGuard(serverName, listener);
        log.info("server '{}' streamable-http transport NEW -> OPEN ({})", serverName, url);
    }

    /** A JSON-mode server sends headers only with the result, and send waits for headers (to see a 404). */
    @Override
    public boolean sendMayWaitForAnswer() {
        return true;
    }

    @Override
    public void send(ObjectNode message) throws IOException {
        ensureOpen();
        String method = message.path("method").asText(null);
        boolean isRequest = MessageShape.isRequest(message);
        boolean isInitialize = isRequest && "initialize".equals(method);
        if (isInitialize) {
            // a new session: the old id and version must not leak into it, and the old GET stream is over
            sessionId = null;
            protocolVersion = null;
            getStreamGeneration.incrementAndGet();
        }
        String sentSessionId = sessionId;
        HttpRequest request = post(message, sentSessionId);
        Exchange exchange = new Exchange(what(message), isRequest ? message.get("id") : null, isInitialize,
                sentSessionId);
        CompletableFuture<HttpResponse<InputStream>> future =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        pendingExchanges.add(future);
        future.whenComplete((r, e) -> pendingExchanges.remove(future));
        HttpResponse<InputStream> response;
        try {
            response = future.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (isRequest && !isInitialize) {
                // a JSON-mode server sends headers only with the result: let a long call finish off our thread
                log.debug("server '{}': no headers for {} within {}; waiting in the background", serverName,
                        exchange.what, connectTimeout);
                future.whenComplete((late, failure) -> readers(() -> lateResponse(exchange, late, failure)));
                return;
            }
            future.cancel(true);
            throw new HttpTimeoutException("server '" + serverName + "' sent no response headers for "
                    + exchange.what + " within " + connectTimeout);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending " + exchange.what + " to server '" + serverName + "'", e);
        } catch (ExecutionException | CancellationException e) {
            throw failure(exchange, e instanceof ExecutionException ? e.getCause() : e);
        }
        handleResponse(exchange, response);
    }

    /** Headers came after send had returned: an HTTP error can only reach the caller as an error response. */
    private void lateResponse(Exchange exchange, HttpResponse<InputStream> response, Throwable failure) {
        if (state.get() != State.OPEN) {
            return;
        }
        try {
            if (failure != null) {
                throw failure(exchange, failure);
            }
            handleResponse(exchange, response);
        } catch (IOException e) {
            listener.failRequest(exchange.requestId, e.getMessage());
        }
    }

    private IOException failure(Exchange exchange, Throwable cause) {
        if (state.get() != State.OPEN) {
            return new IOException("transport of server '" + serverName + "' was closed while sending " + exchange.what);
        }
        if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return new IOException("cannot send " + exchange.what + " to server '" + serverName + "' at " + url + ": "
                + cause, cause);
    }

    /** Status handling on the sending thread; the body, if any, is read on a virtual thread. */
    private void handleResponse(Exchange exchange, HttpResponse<InputStream> response) throws IOException {
        int status = response.statusCode();
        if (status == 404 && exchange.sessionId != null) {
            HttpBodies.closeQuietly(response.body());
            forgetSession(exchange.sessionId);
            throw new SessionExpiredException("server '" + serverName + "' no longer knows session "
                    + exchange.sessionId + " (HTTP 404 to " + exchange.what + "); initialize again");
        }
        if (status < 200 || status > 299) {
            String body = HttpBodies.errorSnippet(response.body());
            throw new HttpStatusException(status, "server '" + serverName + "' answered HTTP " + status + " to "
                    + exchange.what + (body.isEmpty() ? "" : ": " + body));
        }
        if (exchange.isInitialize) {
            String assigned = response.headers().firstValue(SESSION_HEADER).orElse(null);
            sessionId = assigned;
            log.debug("server '{}': session id {}", serverName, assigned == null ? "(none: stateless server)" : assigned);
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (status == 202 || status == 204) {
            HttpBodies.closeQuietly(response.body());
        } else if (contentType.startsWith("text/event-stream")) {
            readers(() -> readResponseStream(exchange, response.body()));
        } else if (contentType.startsWith("application/json")) {
            // one complete JSON document: read it here; the client sends HTTP requests off its caller's
            // thread (sendMayWaitForAnswer), so nobody waits on this one, and a thread hop is saved
            readJsonBody(exchange, response.body());
        } else {
            readers(() -> readUnexpectedBody(exchange, contentType, response.body()));
        }
    }

    private void readJsonBody(Exchange exchange, InputStream body) {
        String text;
        try {
            text = HttpBodies.readAll(body);
        } catch (IOException e) {
            if (state.get() == State.OPEN && exchange.requestId != null) {
                listener.failRequest(exchange.requestId, "the response body to " + exchange.what
                        + " could not be read: " + e);
            }
            return;
        }
        if (text.isBlank()) {
            if (exchange.requestId != null) {
                listener.failRequest(exchange.requestId, "server answered " + exchange.what + " with an empty body");
            }
            return;
        }
        if (!listener.deliverJson(text, "the response to " + exchange.what, exchange.requestId)
                && exchange.requestId != null) {
            listener.failRequest(exchange.requestId, "the response body to " + exchange.what + " did not answer it");
        }
    }

    private void readUnexpectedBody(Exchange exchange, String contentType, InputStream body) {
        String text;
        try {
            text = HttpBodies.readAll(body);
        } catch (IOException e) {
            text = "";
        }
        if (!text.isBlank() || exchange.requestId != null) {
            listener.badInput("the response to " + exchange.what + " has content type '" + contentType + "': "
                    + MessageShape.snippet(text));
            if (exchange.requestId != null) {
                listener.failRequest(exchange.requestId, "unexpected content type '" + contentType + "'");
            }
        }
    }

    /** An SSE response to a POST; if it ends before the answer and had event ids, resume it with GETs. */
    private void readResponseStream(Exchange exchange, InputStream body) {
        SseReader events = new SseReader(body, MAX_EVENT_CHARS);
        boolean answered = readEvents(events, body, "the stream answering " + exchange.what, exchange.requestId);
        if (answered || exchange.requestId == null || state.get() != State.OPEN) {
            return;
        }
        String lastEventId = events.lastEventId();
        if (lastEventId == null) {
            listener.failRequest(exchange.requestId, "the stream answering " + exchange.what
                    + " ended before the response, and had no event ids to resume from");
            return;
        }
        resume(exchange, lastEventId, retryDelay(events.retryMillis()));
    }

    private void resume(Exchange exchange, String lastEventId, Duration delay) {
        int withoutProgress = 0;
        while (state.get() == State.OPEN) {
            if (withoutProgress == MAX_RESUMES_WITHOUT_PROGRESS) {
                listener.failRequest(exchange.requestId, "the stream answering " + exchange.what + " could not be"
                        + " resumed after event " + lastEventId + " (" + withoutProgress + " attempts)");
                return;
            }
            if (!pause(delay)) {
                return;
            }
            log.debug("server '{}': resuming the stream of {} after event {}", serverName, exchange.what, lastEventId);
            HttpResponse<InputStream> response;
            try {
                response = get(lastEventId);
            } catch (IOException e) {
                withoutProgress++;
                continue;
            }
            if (response.statusCode() != 200) {
                HttpBodies.closeQuietly(response.body());
                listener.failRequest(exchange.requestId, "resuming the stream of " + exchange.what
                        + " was answered HTTP " + response.statusCode());
                return;
            }
            SseReader events = new SseReader(response.body(), MAX_EVENT_CHARS);
            if (readEvents(events, response.body(), "the resumed stream of " + exchange.what, exchange.requestId)) {
                return;
            }
            boolean progressed = events.lastEventId() != null && !events.lastEventId().equals(lastEventId);
            withoutProgress = progressed ? 0 : withoutProgress + 1;
            lastEventId = events.lastEventId() != null ? events.lastEventId() : lastEventId;
            delay = retryDelay(events.retryMillis() >= 0 ? events.retryMillis() : delay.toMillis());
        }
    }

    /** Reads an event stream to its end; true if it carried the response to {@code awaitedId}. */
    private boolean readEvents(SseReader events, InputStream body, String where, JsonNode awaitedId) {
        openBodies.add(body);
        boolean answered = false;
        try {
            SseEvent event;
            while ((event = events.next()) != null) {
                if (!"message".equals(event.type())) {
                    log.debug("server '{}': ignoring SSE event '{}' on {}", serverName, event.type(), where);
                    continue;
                }
                if (event.data().isBlank()) {
                    continue; // a priming event: only its id matters, for resuming
                }
                answered |= listener.deliverJson(event.data(), where, awaitedId);
            }
        } catch (IOException e) {
            if (state.get() == State.OPEN) {
                log.debug("server '{}': {} broke: {}", serverName, where, e.toString());
            }
        } finally {
            openBodies.remove(body);
            HttpBodies.closeQuietly(body);
        }
        return answered;
    }

    /**
     * Opens the GET stream for server-initiated messages and sends {@code MCP-Protocol-Version} from now on.
     */
    @Override
    public void onInitialized(String protocolVersion) {
        if (state.get() != State.OPEN) {
            return;
        }
        this.protocolVersion = protocolVersion;
        int generation = getStreamGeneration.incrementAndGet();
        readers(() -> runGetStream(generation));
    }

    private void runGetStream(int generation) {
        String lastEventId = null;
        long retryMillis = -1;
        int failures = 0;
        while (state.get() == State.OPEN && getStreamGeneration.get() == generation) {
            HttpResponse<InputStream> response = null;
            try {
                response = get(lastEventId);
            } catch (IOException e) {
                log.debug("server '{}': GET stream failed to open: {}", serverName, e.toString());
            }
            if (response != null) {
                int status = response.statusCode();
                if (status == 405) {
                    HttpBodies.closeQuietly(response.body());
                    log.debug("server '{}': no GET stream offered (HTTP 405)", serverName);
                    return;
                }
                if (status == 404 && sessionId != null) {
                    HttpBodies.closeQuietly(response.body());
                    // keep the id: the next send gets the 404 too and tells its caller to initialize again
                    log.info("server '{}': session {} expired (HTTP 404 on the GET stream)", serverName, sessionId);
                    return;
                }
                if (status == 200) {
                    failures = 0;
                    SseReader events = new SseReader(response.body(), MAX_EVENT_CHARS);
                    readEvents(events, response.body(), "the GET stream", null);
                    lastEventId = events.lastEventId() != null ? events.lastEventId() : lastEventId;
                    retryMillis = events.retryMillis() >= 0 ? events.retryMillis() : retryMillis;
                } else {
                    HttpBodies.closeQuietly(response.body());
                    failures++;
                    log.warn("server '{}': GET stream answered HTTP {}", serverName, status);
                }
            } else {
                failures++;
            }
            if (!pause(reconnectDelay(retryMillis, failures))) {
                return;
            }
        }
    }

    /** The server's retry value after a clean end; after failures, growing backoff (capped, jittered). */
    static Duration reconnectDelay(long retryMillis, int failures) {
        Duration base = retryDelay(retryMillis);
        if (failures == 0) {
            return base;
        }
        long backoff = Math.min(MAX_RETRY.toMillis(), base.toMillis() << Math.min(failures - 1, 10));
        long jitter = (long) (backoff * 0.1 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
        return Duration.ofMillis(Math.max(1, Math.min(MAX_RETRY.toMillis(), backoff + jitter)));
    }

    private static Duration retryDelay(long retryMillis) {
        return retryMillis < 0 ? DEFAULT_RETRY : Duration.ofMillis(Math.min(retryMillis, MAX_RETRY.toMillis()));
    }

    /** Waits, unless the transport closes first; false when it did. */
    private boolean pause(Duration delay) {
        try {
            return !closing.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }

    private HttpResponse<InputStream> get(String lastEventId) throws IOException {
        HttpRequest.Builder builder = base().GET().header("Accept", "text/event-stream");
        if (lastEventId != null) {
            builder.header(LAST_EVENT_ID_HEADER, lastEventId);
        }
        CompletableFuture<HttpResponse<InputStream>> future =
                client.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        pendingExchanges.add(future);
        try {
            return future.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HttpTimeoutException("GET " + url + ": no response headers within " + connectTimeout);
        } catch (InterruptedException | CancellationException e) {
            future.cancel(true);
            throw new IOException("GET " + url + " cancelled", e);
        } catch (ExecutionException e) {
            throw new IOException("GET " + url + ": " + e.getCause(), e.getCause());
        } finally {
            pendingExchanges.remove(future);
        }
    }

    private HttpRequest post(ObjectNode message, String withSessionId) {
        return base(withSessionId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(message)))
                .header("Accept", "application/json, text/event-stream")
                .header("Content-Type", "application/json")
                .build();
    }

    private HttpRequest.Builder base() {
        return base(sessionId);
    }

    private HttpRequest.Builder base(String withSessionId) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url);
        headers.forEach(builder::header);
        if (withSessionId != null) {
            builder.header(SESSION_HEADER, withSessionId);
        }
        String version = protocolVersion;
        if (version != null) {
            builder.header(PROTOCOL_VERSION_HEADER, version);
        }
        return builder;
    }

    private void forgetSession(String expired) {
        // only the id that failed: a concurrent initialize may already have brought a new one
        if (Objects.equals(sessionId, expired)) {
            sessionId = null;
            protocolVersion = null;
            getStreamGeneration.incrementAndGet();
            log.info("server '{}': session {} expired (HTTP 404); forgotten", serverName, expired);
        }
    }

    /** The session id the server gave on initialize; null before, after expiry, or for a stateless server. */
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String describe() {
        return "streamable-http: " + url;
    }

    /** Stops the streams, ends the session on the server (DELETE; 405 is fine) and reports onClosed(null). */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        closing.countDown();
        getStreamGeneration.incrementAndGet();
        pendingExchanges.forEach(future -> future.cancel(true));
        openBodies.forEach(HttpBodies::closeQuietly);
        readers.forEach(Thread::interrupt);
        String session = sessionId;
        if (session != null) {
            deleteSession(session);
        }
        if (ownsClient) {
            client.shutdownNow();
        }
        log.info("server '{}' streamable-http transport {} -> CLOSED (close requested)", serverName, previous);
        if (listener != null) {
            listener.closed(null);
        }
    }

    private void deleteSession(String session) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url).DELETE().timeout(connectTimeout);
        headers.forEach(builder::header);
        builder.header(SESSION_HEADER, session);
        String version = protocolVersion;
        if (version != null) {
            builder.header(PROTOCOL_VERSION_HEADER, version);
        }
        try {
            int status = client.send(builder.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            log.debug("server '{}': DELETE of session {} answered HTTP {}", serverName, session, status);
        } catch (IOException e) {
            log.debug("server '{}': DELETE of session {} failed: {}", serverName, session, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void ensureOpen() throws IOException {
        State current = state.get();
        if (current != State.OPEN) {
            throw new IOException("transport of server '" + serverName + "' is " + current.name().toLowerCase(Locale.ROOT));
        }
    }

    private void readers(Runnable task) {
        Thread thread = Thread.ofVirtual().name("http-" + serverName).unstarted(() -> {
            try {
                task.run();
            } finally {
                readers.remove(Thread.currentThread());
            }
        });
        readers.add(thread);
        thread.start();
    }

    private static String what(ObjectNode message) {
        String method = message.path("method").asText(null);
        if (method == null) {
            return "the response to request " + message.get("id");
        }
        return message.has("id") ? method + " (id " + message.get("id") + ")" : method;
    }

    /** One POST: what it was for, so its failures can name it and its answer can be recognised. */
    private record Exchange(String what, JsonNode requestId, boolean isInitialize, String sessionId) {
    }
}
