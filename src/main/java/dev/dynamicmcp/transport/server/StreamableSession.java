package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Streamable HTTP session. Its {@link JsonRpcPeer}'s sender routes each message: a response goes to the
 * POST that carried its request, a message related to a request goes on that POST's stream, anything else on
 * the standalone GET stream (kept in its ring until a GET comes).
 */
final class StreamableSession implements DownstreamSession {
    private static final Logger log = LoggerFactory.getLogger(StreamableSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    enum State { OPEN, CLOSED }

    private final String id = newId();
    private final JsonRpcPeer peer;
    private final HttpTransportOptions options;
    private final LongSupplier nanoClock;
    private final Consumer<StreamableSession> onClosed;
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final AtomicLong lastActivityNanos;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger nextStreamNumber = new AtomicInteger(1);
    /** POSTs of this session waiting for answers, counted by {@link Admission}. */
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    private final EventBudget budget;
    private final Map<String, PostExchange> exchanges = new ConcurrentHashMap<>();
    private final EventStream standalone;
    /** The GET that currently owns the standalone stream; a newer GET replaces it. */
    private final AtomicReference<Object> standaloneOwner = new AtomicReference<>();
    private final AtomicLong standaloneDelivered = new AtomicLong();
    private final ReentrantLock retainedLock = new ReentrantLock();
    // Guarded by retainedLock: finished POST streams, oldest first, for Last-Event-ID resumption.
    private final LinkedHashMap<Integer, EventStream> retained = new LinkedHashMap<>();
    private volatile JsonRpcPeer.Handler handler;
    private volatile String initializeRequestKey;
    private volatile String protocolVersion;
    private final String profile;
    /** The OAuth user who opened the session ({@code Principal.key()}), or null; set once, before any message. */
    private volatile String caller;

    /**
     * @param scheduler the handler's: the session's clock, and the timeouts of the proxy's requests to the client
     *                  (a scheduler per session would hold a timer thread per session that ever asked its client)
     * @param profile   the profile of the endpoint that opened the session ({@code /mcp/{profile}}), or null
     */
    StreamableSession(HttpTransportOptions options, Scheduler scheduler, Consumer<StreamableSession> onClosed,
                      EventBudget budget, String profile) {
        this.profile = profile;
        this.options = options;
        this.nanoClock = scheduler::nanoTime;
        this.onClosed = onClosed;
        this.budget = budget;
        this.lastActivityNanos = new AtomicLong(nanoClock.getAsLong());
        this.standalone = new EventStream(0, options.eventBufferSize(), budget);
        this.peer = new JsonRpcPeer("downstream session " + shortId(id), new Router(), new DeferredHandler(), true,
                scheduler);
    }

    /**
     * The first 8 characters of a session id, for logs: enough to tell sessions apart, not enough to take one
     * over (the full id is a bearer credential for that session).
     */
    static String shortId(String id) {
        return DownstreamSession.logId(id);
    }

    String shortId() {
        return shortId(id);
    }

    /** A new stream for one POST of this session, counted in the handler's budget. */
    EventStream newPostStream(int capacity) {
        return new EventStream(newStreamNumber(), capacity, budget);
    }

    AtomicInteger requestsInFlight() {
        return requestsInFlight;
    }

    long lastActivityNanos() {
        return lastActivityNanos.get();
    }

    boolean hasOpenConnections() {
        return openConnections.get() > 0;
    }

    static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String key(JsonNode requestId) {
        return (requestId.isTextual() ? "s:" : "n:") + requestId.asText();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String caller() {
        return caller;
    }

    void caller(String caller) {
        this.caller = caller;
    }

    @Override
    public String profile() {
        return profile;
    }

    @Override
    public String transport() {
        return "streamable-http";
    }

    @Override
    public JsonRpcPeer peer() {
        return peer;
    }

    void handler(JsonRpcPeer.Handler handler) {
        this.handler = handler;
    }

    boolean isOpen() {
        return state.get() == State.OPEN;
    }

    /** The protocol version this session's initialize result carried; null before. */
    String protocolVersion() {
        return protocolVersion;
    }

    void expectInitializeResponse(JsonNode requestId) {
        initializeRequestKey = key(requestId);
    }

    void touch() {
        lastActivityNanos.set(nanoClock.getAsLong());
    }

    void connectionOpened() {
        openConnections.incrementAndGet();
        touch();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
        touch();
    }

    /** True when nothing happened for the idle timeout and no request or stream is open. */
    boolean isIdle(long nowNanos) {
        return openConnections.get() == 0
                && nowNanos - lastActivityNanos.get() >= options.sessionIdleTimeout().toNanos();
    }

    /**
     * Registers a POST's requests so their responses and related messages find it; false when one of the
     * request ids is still in flight in this session.
     */
    boolean register(PostExchange exchange) {
        List<String> added = new ArrayList<>();
        for (String key : exchange.requestKeys()) {
            if (exchanges.putIfAbsent(key, exchange) != null) {
                added.forEach(k -> exchanges.remove(k, exchange));
                return false;
            }
            added.add(key);
        }
        if (!isOpen()) { // closed meanwhile: close() may have missed it
            exchange.sessionClosed();
        }
        return true;
    }

    void unregister(PostExchange exchange) {
        exchange.requestKeys().forEach(k -> exchanges.remove(k, exchange));
        List<EventStream> discarded = new ArrayList<>();
        if (exchange.usedEvents() && options.retainedStreams() > 0 && isOpen()) {
            retainedLock.lock();
            try {
                retained.put(exchange.stream().number(), exchange.stream());
                while (retained.size() > options.retainedStreams()) {
                    discarded.add(retained.remove(retained.keySet().iterator().next()));
                }
            } finally {
                retainedLock.unlock();
            }
        } else {
            discarded.add(exchange.stream());
        }
        discarded.forEach(EventStream::release);
    }

    /**
     * The client sent {@code notifications/cancelled} for one of its requests: the peer sends no response, so
     * the POST waiting for it must stop waiting.
     */
    void clientCancelled(JsonNode requestId) {
        if (requestId == null || requestId.isNull()) {
            return;
        }
        String key = key(requestId);
        PostExchange exchange = exchanges.remove(key);
        if (exchange != null) {
            exchange.cancelledByClient(key);
        }
    }

    int newStreamNumber() {
        return nextStreamNumber.getAndIncrement();
    }

    EventStream standalone() {
        return standalone;
    }

    /** A finished POST stream still kept for replay, or null. */
    EventStream retained(int number) {
        retainedLock.lock();
        try {
            return retained.get(number);
        } finally {
            retainedLock.unlock();
        }
    }

    /** Makes {@code owner} the GET that writes the standalone stream; the previous one stops. */
    void claimStandalone(Object owner) {
        standaloneOwner.set(owner);
        standalone.wakeUp();
    }

    boolean ownsStandalone(Object owner) {
        return standaloneOwner.get() == owner && isOpen();
    }

    void releaseStandalone(Object owner) {
        standaloneOwner.compareAndSet(owner, null);
    }

    long standaloneDelivered() {
        return standaloneDelivered.get();
    }

    void standaloneDelivered(long seq) {
        standaloneDelivered.accumulateAndGet(seq, Math::max);
    }

    @Override
    public void close() {
        close("closed by the proxy");
    }

    /** Ends the session (idempotent): streams end, in-flight POSTs get an error, then the listener hears. */
    void close(String reason) {
        if (!state.compareAndSet(State.OPEN, State.CLOSED)) {
            return;
        }
        log.info("session {}: OPEN -> CLOSED ({})", shortId(), reason);
        standalone.complete();
        for (PostExchange exchange : new ArrayList<>(exchanges.values())) {
            exchange.sessionClosed();
        }
        peer.close(new IOException("session " + shortId() + " " + reason));
        standalone.release();
        List<EventStream> kept;
        retainedLock.lock();
        try {
            kept = new ArrayList<>(retained.values());
            retained.clear();
        } finally {
            retainedLock.unlock();
        }
        kept.forEach(EventStream::release);
        onClosed.accept(this);
    }

    private void delivered(ObjectNode response) {
        String key = key(response.get("id"));
        if (key.equals(initializeRequestKey)) {
            JsonNode version = response.path("result").get("protocolVersion");
            if (version != null && version.isTextual()) {
                protocolVersion = version.asText();
            }
        }
    }

    /** Routes what the proxy sends to the right stream; never does I/O itself. */
    private final class Router implements JsonRpcPeer.Sender {
        @Override
        public void send(ObjectNode message) throws IOException {
            send(message, null);
        }

        @Override
        public void send(ObjectNode message, JsonNode relatedRequestId) throws IOException {
            if (!isOpen()) {
                throw new IOException("downstream session " + shortId() + " is closed");
            }
            boolean isResponse = !message.has("method") && (message.has("result") || message.has("error"));
            if (isResponse) {
                JsonNode requestId = message.get("id");
                PostExchange exchange = requestId == null || requestId.isNull() ? null
                        : exchanges.remove(key(requestId));
                if (exchange == null) {
                    log.debug("session {}: no open POST waits for response {}; dropped", shortId(), requestId);
                    return;
                }
                delivered(message);
                exchange.respond(key(requestId), message);
                return;
            }
            if (relatedRequestId != null && !relatedRequestId.isNull()) {
                PostExchange exchange = exchanges.get(key(relatedRequestId));
                if (exchange != null && exchange.stream().append(message)) {
                    return;
                }
                // the request's POST is gone: the standalone stream is the only way left to the client
            }
            standalone.append(message);
        }
    }

    /** Lets the peer exist before {@link SessionListener#opened} has returned the real handler. */
    private final class DeferredHandler implements JsonRpcPeer.Handler {
        @Override
        public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
            JsonRpcPeer.Handler current = handler;
            if (current == null) {
                return CompletableFuture.failedFuture(new dev.dynamicmcp.protocol.McpException(
                        JsonRpc.INTERNAL_ERROR, "session " + shortId() + " is not ready"));
            }
            return current.onRequest(request);
        }

        @Override
        public void onNotification(ObjectNode notification) {
            JsonRpcPeer.Handler current = handler;
            if (current != null) {
                current.onNotification(notification);
            }
        }
    }
}
