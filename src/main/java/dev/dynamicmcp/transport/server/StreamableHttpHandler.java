package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.protocol.McpMethods;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP Streamable HTTP (2025-03-26 and later) at one path, on Jetty's core handler API.
 *
 * <ul>
 *   <li>POST carries one message or a batch. Notifications and responses only: 202. Requests: the answer is
 *       {@code application/json} when the responses come before anything else; as soon as a message related to
 *       one of the requests comes first (progress, a sampling request), or the answer takes longer than the
 *       keep-alive interval, the POST switches to {@code text/event-stream}, streams those messages, then the
 *       responses, and ends. A client that disconnects cancels its requests still running.</li>
 *   <li>GET opens the session's standalone stream for messages not related to a request. Only one GET stream
 *       is live per session: <b>a new GET replaces the previous one</b> (which ends), so a client that lost a
 *       half-open connection can always reconnect. Messages sent while no GET is open wait in a bounded ring
 *       and are flushed to the next GET. {@code Last-Event-ID} replays a stream from its ring.</li>
 *   <li>DELETE ends the session. Idle sessions (no request, no open stream) expire.</li>
 * </ul>
 * Sessions are created by an {@code initialize} POST without {@code Mcp-Session-Id}; the handler the
 * {@link SessionListener} returns answers initialize itself.
 */
public final class StreamableHttpHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(StreamableHttpHandler.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    static final String LAST_EVENT_ID = "Last-Event-ID";

    private final SessionListener listener;
    private final HttpTransportOptions options;
    private final LongSupplier nanoClock;
    private final Map<String, StreamableSession> sessions = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService sweeper;

    public StreamableHttpHandler(SessionListener listener, HttpTransportOptions options) {
        this(listener, options, System::nanoTime);
    }

    StreamableHttpHandler(SessionListener listener, HttpTransportOptions options, LongSupplier nanoClock) {
        this.listener = listener;
        this.options = options;
        this.nanoClock = nanoClock;
    }

    public String path() {
        return options.mcpPath();
    }

    public int sessionCount() {
        return sessions.size();
    }

    /** The open session with this id, or null. */
    public DownstreamSession session(String id) {
        return sessions.get(id);
    }

    /** Closes every session (the listener hears about each). */
    public void closeAllSessions(String reason) {
        for (StreamableSession session : new ArrayList<>(sessions.values())) {
            session.close(reason);
        }
    }

    /** Closes the sessions idle at {@code nowNanos}; returns how many. Called periodically; tests call it. */
    int expireIdle(long nowNanos) {
        int expired = 0;
        for (StreamableSession session : new ArrayList<>(sessions.values())) {
            if (session.isIdle(nowNanos)) {
                session.close("idle for more than " + options.sessionIdleTimeout());
                expired++;
            }
        }
        return expired;
    }

    @Override
    protected void doStart() throws Exception {
        long period = Math.max(1000, Math.min(options.sessionIdleTimeout().toMillis() / 4, 60_000));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mcp-session-expiry");
            thread.setDaemon(true);
            return thread;
        });
        // the timer thread only starts a virtual thread: closing calls the listener, which may take a while
        scheduler.scheduleWithFixedDelay(() -> Thread.ofVirtual().name("mcp-session-expiry")
                .start(() -> expireIdle(nanoClock.getAsLong())), period, period, TimeUnit.MILLISECONDS);
        sweeper = scheduler;
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        ScheduledExecutorService scheduler = sweeper;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        closeAllSessions("the proxy is stopping");
        super.doStop();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!options.mcpPath().equals(Request.getPathInContext(request))) {
            return false;
        }
        switch (request.getMethod()) {
            case "POST" -> post(request, response, callback);
            case "GET" -> get(request, response, callback);
            case "DELETE" -> delete(request, response, callback);
            default -> {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, POST, DELETE");
                HttpIo.rpcError(response, callback, 405, JsonRpc.INVALID_REQUEST,
                        request.getMethod() + " is not supported on " + options.mcpPath() + "; use POST, GET or DELETE");
            }
        }
        return true;
    }

    // ---- POST ----

    private void post(Request request, Response response, Callback callback) throws IOException {
        if (!HttpIo.accepts(request, HttpIo.JSON) || !HttpIo.accepts(request, HttpIo.EVENT_STREAM)) {
            HttpIo.rpcError(response, callback, 406, JsonRpc.INVALID_REQUEST,
                    "the Accept header must list both application/json and text/event-stream");
            return;
        }
        byte[] body;
        try {
            body = HttpIo.readBody(request, options.maxBodyBytes());
        } catch (HttpIo.BodyTooLargeException e) {
            HttpIo.rpcError(response, callback, 413, JsonRpc.INVALID_REQUEST, e.getMessage());
            return;
        }
        List<ObjectNode> messages;
        boolean batch;
        try {
            JsonNode parsed = Json.parse(body);
            batch = parsed.isArray();
            messages = messages(parsed);
        } catch (MalformedMessageException e) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.PARSE_ERROR, "parse error: " + e.getMessage());
            return;
        } catch (InvalidShapeException e) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST, "invalid request: " + e.getMessage());
            return;
        }
        List<ObjectNode> requests = new ArrayList<>();
        ObjectNode initialize = null;
        for (ObjectNode message : messages) {
            if (message.has("method") && message.has("id")) {
                requests.add(message);
                if (McpMethods.INITIALIZE.equals(JsonRpc.method(message))) {
                    initialize = message;
                }
            }
        }
        String sessionId = request.getHeaders().get(SESSION_HEADER);
        StreamableSession session;
        boolean created = false;
        if (initialize != null && sessionId == null) {
            if (messages.size() > 1) {
                HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST,
                        "initialize must be sent alone, not in a batch");
                return;
            }
            session = open();
            created = true;
        } else {
            session = existingSession(request, response, callback);
            if (session == null) {
                return;
            }
        }
        if (initialize != null) {
            session.expectInitializeResponse(initialize.get("id"));
        }
        if (created) {
            response.getHeaders().put(SESSION_HEADER, session.id());
        }
        session.touch();
        for (ObjectNode message : messages) {
            if (McpMethods.CANCELLED.equals(JsonRpc.method(message))) {
                session.clientCancelled(JsonRpc.params(message).get("requestId"));
            }
        }
        if (requests.isEmpty()) {
            messages.forEach(session.peer()::onMessage);
            HttpIo.empty(response, callback, 202);
            return;
        }
        PostExchange exchange = new PostExchange(
                new EventStream(session.newStreamNumber(), Math.max(options.eventBufferSize(), requests.size() * 2)),
                requests);
        if (!session.register(exchange)) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST,
                    "a request id of this POST is already in use by a request still running in this session");
            return;
        }
        session.connectionOpened();
        request.addFailureListener(failure -> exchange.abandon());
        try {
            messages.forEach(session.peer()::onMessage);
            answer(session, exchange, batch, response, callback);
        } finally {
            session.unregister(exchange);
            session.connectionClosed();
        }
    }

    /**
     * Waits for the exchange's messages and writes them: JSON when only responses came, SSE otherwise. Runs on
     * the request's (virtual) thread; the sender never waits for this client.
     */
    private void answer(StreamableSession session, PostExchange exchange, boolean batch, Response response,
                        Callback callback) {
        EventStream stream = exchange.stream();
        boolean streaming = false;
        long seen = 0;
        try {
            while (true) {
                List<EventStream.Event> events = stream.awaitAfter(seen, options.keepAliveInterval(),
                        () -> !exchange.isAbandoned());
                if (exchange.isAbandoned()) {
                    throw new IOException("the client went away");
                }
                if (!streaming) {
                    List<EventStream.Event> all = stream.after(0);
                    boolean onlyResponses = all.stream().allMatch(e -> isResponse(e.message()));
                    if (onlyResponses && stream.isComplete() && all.size() >= exchange.requestCount()) {
                        JsonNode body = batch ? responsesArray(all) : all.get(0).message();
                        HttpIo.json(response, callback, 200, body);
                        return;
                    }
                    if (onlyResponses && events != null && !events.isEmpty()) {
                        seen = events.get(events.size() - 1).seq(); // part of a batch answered: wait for the rest
                        continue;
                    }
                    // a related message came first, or the answer is slow: stream from here on
                    streaming = true;
                    exchange.markUsedEvents();
                    HttpIo.startEventStream(response);
                    HttpIo.write(response, false, BufferUtil.EMPTY_BUFFER);
                    events = all;
                    seen = 0;
                }
                if (events == null) {
                    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
                    return;
                }
                seen = HttpIo.writeEvents(response, stream, events, true, seen);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            cancelPending(session, exchange, e);
            callback.failed(e);
        }
    }

    private static void cancelPending(StreamableSession session, PostExchange exchange, Exception why) {
        for (JsonNode requestId : exchange.pendingIds()) {
            log.debug("session {}: client left before request {} was answered ({}); cancelling it",
                    session.id(), requestId, why.toString());
            ObjectNode params = Json.object();
            params.set("requestId", requestId);
            params.put("reason", "the client closed the HTTP request");
            // exactly what the client's own notifications/cancelled would do: the handler's future is cancelled
            session.peer().onMessage(JsonRpc.notification(McpMethods.CANCELLED, params));
        }
    }

    private static JsonNode responsesArray(List<EventStream.Event> events) {
        var array = Json.array();
        events.forEach(e -> array.add(e.message()));
        return array;
    }

    private static boolean isResponse(ObjectNode message) {
        return !message.has("method");
    }

    /** The messages of a POST body; throws {@link InvalidShapeException} when one is not JSON-RPC. */
    private static List<ObjectNode> messages(JsonNode parsed) {
        List<ObjectNode> messages = new ArrayList<>();
        if (parsed.isArray()) {
            if (parsed.isEmpty()) {
                throw new InvalidShapeException("an empty batch");
            }
            parsed.forEach(element -> messages.add(checked(element)));
        } else {
            messages.add(checked(parsed));
        }
        return messages;
    }

    private static ObjectNode checked(JsonNode node) {
        try {
            JsonRpc.kind(node);
        } catch (MalformedMessageException e) {
            throw new InvalidShapeException(e.getMessage());
        }
        return (ObjectNode) node;
    }

    private static final class InvalidShapeException extends RuntimeException {
        InvalidShapeException(String message) {
            super(message, null, false, false);
        }
    }

    private StreamableSession open() {
        StreamableSession session = new StreamableSession(options, nanoClock, this::closed);
        sessions.put(session.id(), session);
        JsonRpcPeer.Handler handler = listener.opened(session);
        session.handler(handler);
        log.info("session {}: NEW -> OPEN (streamable-http)", session.id());
        return session;
    }

    private void closed(StreamableSession session) {
        sessions.remove(session.id(), session);
        try {
            listener.closed(session);
        } catch (RuntimeException e) {
            log.warn("the session listener failed on closed({})", session.id(), e);
        }
    }

    /** The request's session, or null after writing the 400/404 that says why there is none. */
    private StreamableSession existingSession(Request request, Response response, Callback callback) {
        String sessionId = request.getHeaders().get(SESSION_HEADER);
        if (sessionId == null || sessionId.isBlank()) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST,
                    "missing Mcp-Session-Id header: send initialize first, then the session id it returned");
            return null;
        }
        StreamableSession session = sessions.get(sessionId);
        if (session == null || !session.isOpen()) {
            HttpIo.rpcError(response, callback, 404, JsonRpc.INVALID_REQUEST,
                    "unknown or expired session " + sessionId + ": initialize a new session");
            return null;
        }
        String version = request.getHeaders().get(VERSION_HEADER);
        if (version != null && !McpMethods.PROTOCOL_VERSIONS.contains(version.trim())) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST,
                    "unsupported MCP-Protocol-Version " + version + "; this proxy speaks "
                            + McpMethods.PROTOCOL_VERSIONS + " (session negotiated " + session.protocolVersion() + ")");
            return null;
        }
        return session;
    }

    // ---- GET ----

    private void get(Request request, Response response, Callback callback) throws IOException {
        if (!HttpIo.accepts(request, HttpIo.EVENT_STREAM)) {
            HttpIo.rpcError(response, callback, 406, JsonRpc.INVALID_REQUEST,
                    "the Accept header must list text/event-stream");
            return;
        }
        StreamableSession session = existingSession(request, response, callback);
        if (session == null) {
            return;
        }
        long[] resume = EventStream.parseEventId(request.getHeaders().get(LAST_EVENT_ID));
        session.connectionOpened();
        try {
            if (resume != null && resume[0] != 0) {
                EventStream finished = session.retained((int) resume[0]);
                if (finished != null) {
                    replay(finished, resume[1], response, callback);
                    return;
                }
            }
            long from = resume != null && resume[0] == 0 ? resume[1] : session.standaloneDelivered();
            standalone(session, from, response, callback);
        } finally {
            session.connectionClosed();
        }
    }

    /** Replays a finished POST stream after {@code afterSeq}, then ends. */
    private void replay(EventStream stream, long afterSeq, Response response, Callback callback) {
        try {
            HttpIo.startEventStream(response);
            StringBuilder text = new StringBuilder();
            for (EventStream.Event event : stream.after(afterSeq)) {
                text.append(HttpIo.event(stream.eventId(event.seq()), "message", event.message()));
            }
            response.write(true, ByteBuffer.wrap(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    callback);
        } catch (RuntimeException e) {
            callback.failed(e);
        }
    }

    private void standalone(StreamableSession session, long from, Response response, Callback callback) {
        Object owner = new Object();
        session.claimStandalone(owner);
        EventStream stream = session.standalone();
        long cursor = from;
        try {
            HttpIo.startEventStream(response);
            HttpIo.write(response, false, BufferUtil.EMPTY_BUFFER);
            while (true) {
                List<EventStream.Event> events = stream.awaitAfter(cursor, options.keepAliveInterval(),
                        () -> session.ownsStandalone(owner));
                if (events == null || !session.ownsStandalone(owner)) {
                    response.write(true, BufferUtil.EMPTY_BUFFER, callback); // replaced, or the session ended
                    return;
                }
                cursor = HttpIo.writeEvents(response, stream, events, true, cursor);
                session.standaloneDelivered(cursor);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            log.debug("session {}: GET stream ended: {}", session.id(), e.toString());
            callback.failed(e);
        } finally {
            session.releaseStandalone(owner);
        }
    }

    // ---- DELETE ----

    private void delete(Request request, Response response, Callback callback) {
        StreamableSession session = existingSession(request, response, callback);
        if (session == null) {
            return;
        }
        session.close("DELETE by the client");
        HttpIo.empty(response, callback, 200);
    }
}
