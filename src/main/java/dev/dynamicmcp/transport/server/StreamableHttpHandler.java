package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.protocol.MessageTooLargeException;
import dev.dynamicmcp.protocol.OversizedMessage;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.config.ServingLimits;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
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
 * No response holds a thread while it waits: a POST's answer and a GET stream are written asynchronously
 * ({@link PostAnswer}, {@link StreamWriter}) when messages arrive, so thousands of open streams cost sockets
 * and buffers, not threads. What clients may hold is bounded by {@link Admission} (429 for one client over its
 * share, 503 for all together), the number of sessions by {@code maxSessions} and the buffered messages of all
 * sessions by an {@link EventBudget}.
 * Sessions are created by an {@code initialize} POST without {@code Mcp-Session-Id}; the handler the
 * {@link SessionListener} returns answers initialize itself.
 *
 * <p>MCP 2026-07-28 shares the path: each POST is first classified ({@link EraClassifier}); requests of that
 * stateless revision go to {@link ModernHttpExchange} (no session), everything else takes the session path
 * above unchanged. A GET or DELETE with a 2026-07-28 version header and no session is 405.
 */
public final class StreamableHttpHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(StreamableHttpHandler.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    static final String LAST_EVENT_ID = "Last-Event-ID";
    static final String METHOD_HEADER = "Mcp-Method";
    static final String NAME_HEADER = "Mcp-Name";
    /** A POST still waiting this long has its connection watched for the client's end (see PostAnswer#watch). */
    static final Duration WATCH_AFTER = Duration.ofSeconds(1);

    private final SessionListener listener;
    private final HttpTransportOptions options;
    private final Admission admission;
    private final EventBudget budget;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final KeepAlives keepAlives;
    private final Repeating sweeper;
    private final Map<String, StreamableSession> sessions = new ConcurrentHashMap<>();
    private final ProfileEndpoints profiles;
    /** The 2026-07-28 requests on the same path; null when the listener serves none. */
    private final ModernHttpExchange modern;
    private final ModernEndpoint modernEndpoint;

    /** A handler with the default limits and its own scheduler (closed when the handler stops). */
    public StreamableHttpHandler(SessionListener listener, HttpTransportOptions options) {
        this(listener, options, new Admission(ServingLimits.DEFAULTS.withSessionIdleTimeout(
                options.sessionIdleTimeout())), null, null, ProfileEndpoints.NONE);
    }

    /**
     * @param budget    the buffered-event budget shared with other handlers; null: one of {@code maxBufferedEvents}
     * @param scheduler time, keep-alives and idle expiry; null: a {@link SystemScheduler} this handler owns
     */
    StreamableHttpHandler(SessionListener listener, HttpTransportOptions options, Admission admission,
                          EventBudget budget, Scheduler scheduler) {
        this(listener, options, admission, budget, scheduler, ProfileEndpoints.NONE);
    }

    /** @param profiles the profiles served at {@code /mcp/{name}} */
    StreamableHttpHandler(SessionListener listener, HttpTransportOptions options, Admission admission,
                          EventBudget budget, Scheduler scheduler, ProfileEndpoints profiles) {
        this.listener = listener;
        this.profiles = profiles;
        this.options = options;
        this.admission = admission;
        this.budget = budget != null ? budget : new EventBudget(admission.limits().maxBufferedEvents());
        this.ownsScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : new SystemScheduler();
        this.keepAlives = new KeepAlives(this.scheduler, options.keepAliveInterval());
        long period = Math.max(1000, Math.min(options.sessionIdleTimeout().toMillis() / 4, 60_000));
        this.sweeper = new Repeating(this.scheduler, "mcp-session-expiry", Duration.ofMillis(period),
                () -> expireIdle(this.scheduler.nanoTime()));
        ModernEndpoint endpoint = listener.modern();
        this.modernEndpoint = endpoint;
        this.modern = endpoint == null ? null : new ModernHttpExchange(endpoint, options, admission, this.budget,
                this.scheduler, keepAlives);
    }

    public String path() {
        return options.mcpPath();
    }

    /** The profile a request's path names ({@code /mcp/{name}}), or null for the default endpoint. */
    private String profileOf(Request request) {
        return ProfileEndpoints.profileOf(options.mcpPath(), Request.getPathInContext(request));
    }

    public int sessionCount() {
        return sessions.size();
    }

    /** The open session with this id, or null. */
    public DownstreamSession session(String id) {
        return sessions.get(id);
    }

    /** Events buffered by all sessions now (replay rings, messages for clients not connected). */
    long bufferedEvents() {
        return budget.total();
    }

    /**
     * Closes every session (the listener hears about each), and ends the 2026-07-28 listen streams with their
     * graceful result. Called when the proxy stops, before Jetty does, so those answers still go out.
     */
    public void closeAllSessions(String reason) {
        if (modernEndpoint != null) {
            modernEndpoint.stopping();
        }
        for (StreamableSession session : new ArrayList<>(sessions.values())) {
            session.close(reason);
        }
    }

    /** Closes the sessions idle at {@code nowNanos}; returns how many. Called periodically; tests call it. */
    int expireIdle(long nowNanos) {
        int expired = 0;
        for (StreamableSession session : new ArrayList<>(sessions.values())) {
            if (session.isIdle(nowNanos)) {
                session.close("idle for more than " + Durations.format(options.sessionIdleTimeout()));
                expired++;
            }
        }
        return expired;
    }

    @Override
    protected void doStart() throws Exception {
        keepAlives.start();
        sweeper.start();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        sweeper.stop();
        keepAlives.stop();
        closeAllSessions("the proxy is stopping");
        if (ownsScheduler) {
            scheduler.close(Duration.ofSeconds(1));
        }
        super.doStop();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!options.mcpPath().equals(path)) {
            String profile = ProfileEndpoints.profileOf(options.mcpPath(), path);
            if (profile == null) {
                return false;
            }
            if (!profiles.exists(profile)) {
                HttpIo.rpcError(response, callback, 404, JsonRpc.INVALID_REQUEST, "no profile named \"" + profile
                        + "\" is configured: " + options.mcpPath() + " serves every server, " + options.mcpPath()
                        + "/{profile} the profiles of the config's \"profiles\" section");
                return true;
            }
        }
        if (modern != null && !"POST".equals(request.getMethod()) && isModernStreamRequest(request)) {
            // the 2026-07-28 revision has no GET stream and no session to DELETE (subscriptions/listen instead)
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            HttpIo.rpcError(response, callback, 405, JsonRpc.INVALID_REQUEST, request.getMethod() + " is not part "
                    + "of MCP " + request.getHeaders().get(VERSION_HEADER).strip() + ": POST each request; open "
                    + "subscriptions/listen for notifications");
            return true;
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

    private void post(Request request, Response response, Callback callback) {
        if (!HttpIo.accepts(request, HttpIo.JSON) || !HttpIo.accepts(request, HttpIo.EVENT_STREAM)) {
            HttpIo.answerAfterBody(request, response, () -> HttpIo.rpcError(response, callback, 406,
                    JsonRpc.INVALID_REQUEST, "the Accept header must list both application/json and text/event-stream"));
            return;
        }
        if (!HttpIo.isJson(request)) {
            HttpIo.unsupportedMediaType(request, response, callback);
            return;
        }
        // the body arrives without a thread waiting for it; a slow sender holds a connection, nothing more
        HttpIo.readBody(request, options.maxBodyBytes(), response, callback,
                body -> posted(request, response, callback, body));
    }

    private void posted(Request request, Response response, Callback callback, byte[] body) {
        List<ObjectNode> messages;
        boolean batch;
        try {
            JsonNode parsed = Json.parse(body);
            if (modern != null) {
                EraClassifier.Headers headers = modernHeaders(request);
                switch (EraClassifier.classify(parsed, headers)) {
                    case EraClassifier.Reject reject -> {
                        HttpIo.json(response, callback, reject.status(), reject.error());
                        return;
                    }
                    case EraClassifier.Modern request2026 -> {
                        String profile = profileOf(request);
                        if (profile != null) {
                            // a profile's view is served to sessions; a modern request would see every server
                            HttpIo.json(response, callback, 400, JsonRpc.error(parsed.path("id").isMissingNode()
                                    ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : parsed.get("id"),
                                    JsonRpc.INVALID_REQUEST, "profile endpoints (" + Request.getPathInContext(request)
                                            + ") serve MCP up to 2025-11-25 for now; use initialize here, or "
                                            + options.mcpPath() + " for 2026-07-28 requests", null));
                            return;
                        }
                        modern.serve(request, response, callback, request2026, headers);
                        return;
                    }
                    case EraClassifier.Legacy legacy -> {
                        // the session path below, exactly as before the 2026-07-28 revision
                    }
                }
            }
            batch = parsed.isArray();
            messages = messages(parsed);
        } catch (MessageTooLargeException e) {
            // the client's answer to one of our requests fails that request; a request is refused under its id
            OversizedMessage.Envelope envelope = OversizedMessage.envelope(body, 0, body.length);
            log.warn("a POST carried a message over {} ({}, id {})", OversizedMessage.LIMIT,
                    envelope.response() ? "a response" : envelope.method(), envelope.id());
            if (!envelope.answersRequest()) {
                HttpIo.json(response, callback, 400, OversizedMessage.refusal(envelope));
                return;
            }
            batch = false;
            messages = List.of(OversizedMessage.failedAnswer(envelope.id()));
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
            try {
                session = open(profileOf(request), callerOf(request));
            } catch (Admission.Refused refused) {
                HttpIo.refuse(response, callback, refused, initialize.get("id"));
                return;
            }
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
        Admission.Permit permit;
        if (created) {
            permit = null; // initialize is answered at once; the session cap bounds it
        } else {
            try {
                permit = admission.request(Request.getRemoteAddr(request), session.requestsInFlight());
            } catch (Admission.Refused refused) {
                HttpIo.refuse(response, callback, refused, requests.get(0).get("id"));
                return;
            }
        }
        PostExchange exchange = new PostExchange(
                session.newPostStream(Math.max(options.eventBufferSize(), requests.size() * 2)), requests);
        if (!session.register(exchange)) {
            exchange.stream().release();
            if (permit != null) {
                permit.release();
            }
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST,
                    "a request id of this POST is already in use by a request still running in this session");
            return;
        }
        session.connectionOpened();
        Scheduler.Cancellable[] timers = {Scheduler.Cancellable.NONE, Scheduler.Cancellable.NONE};
        PostAnswer[] self = new PostAnswer[1];
        java.util.function.Consumer<Throwable> gone = failure -> {
            exchange.abandon();
            self[0].abort(failure);
        };
        PostAnswer answer = new PostAnswer(exchange, batch, response, callback, keepAlives,
                () -> HttpIo.onDisconnect(request, gone), failure -> {
            timers[0].cancel();
            timers[1].cancel();
            if (failure != null) {
                cancelPending(session, exchange, failure);
            }
            session.unregister(exchange);
            session.connectionClosed();
            if (permit != null) {
                permit.release();
            }
        });
        self[0] = answer;
        answer.attach();
        request.addFailureListener(gone::accept);
        timers[0] = scheduler.schedule("mcp-post-slow", options.keepAliveInterval(), answer::slow);
        timers[1] = scheduler.schedule("mcp-post-watch", WATCH_AFTER, answer::watch);
        messages.forEach(session.peer()::onMessage);
        answer.iterate();
    }

    private static EraClassifier.Headers modernHeaders(Request request) {
        return new EraClassifier.Headers(request.getHeaders().get(VERSION_HEADER),
                request.getHeaders().get(METHOD_HEADER), request.getHeaders().get(NAME_HEADER));
    }

    /** A GET or DELETE of the modern revision: a modern version header and no session to act on. */
    private static boolean isModernStreamRequest(Request request) {
        String version = request.getHeaders().get(VERSION_HEADER);
        return request.getHeaders().get(SESSION_HEADER) == null && version != null
                && dev.dynamicmcp.protocol.McpMeta.isModernVersion(version.strip());
    }

    private static void cancelPending(StreamableSession session, PostExchange exchange, Throwable why) {
        for (JsonNode requestId : exchange.pendingIds()) {
            log.debug("session {}: client left before request {} was answered ({}); cancelling it",
                    session.shortId(), requestId, why.toString());
            ObjectNode params = Json.object();
            params.set("requestId", requestId);
            params.put("reason", "the client closed the HTTP request");
            // exactly what the client's own notifications/cancelled would do: the handler's future is cancelled
            session.peer().onMessage(JsonRpc.notification(McpMethods.CANCELLED, params));
        }
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

    /**
     * Opens a session. At {@code maxSessions}, the session idle longest that has no open stream or request is
     * closed to make room (its client gets 404 next time and initializes anew, as the spec says); when every
     * session is busy, {@link Admission.Refused} (503). Concurrent opens may pass the cap by a few.
     */
    /** The OAuth user the guard authenticated for this request ({@code Principal.key()}), or null. */
    static String callerOf(Request request) {
        return request.getAttribute(RequestGuard.PRINCIPAL_ATTRIBUTE) instanceof dev.dynamicmcp.auth.Principal p
                && p.isUser() ? p.key() : null;
    }

    private StreamableSession open(String profile, String caller) {
        int max = admission.limits().maxSessions();
        if (sessions.size() >= max) {
            StreamableSession idlest = null;
            for (StreamableSession candidate : sessions.values()) {
                if (!candidate.hasOpenConnections()
                        && (idlest == null || candidate.lastActivityNanos() < idlest.lastActivityNanos())) {
                    idlest = candidate;
                }
            }
            if (idlest == null) {
                throw new Admission.Refused(503, "the proxy has " + sessions.size() + " sessions, its limit "
                        + "(proxy.limits.maxSessions), and each of them has a stream or request open; retry later, "
                        + "or end unused sessions with DELETE", Admission.RETRY_AFTER_GLOBAL);
            }
            idlest.close("evicted: the proxy is at its limit of " + max + " sessions (proxy.limits.maxSessions) "
                    + "and this one was idle longest");
        }
        StreamableSession session = new StreamableSession(options, scheduler, this::closed, budget, profile);
        session.caller(caller);
        sessions.put(session.id(), session);
        JsonRpcPeer.Handler handler = listener.opened(session);
        session.handler(handler);
        log.info("session {}: NEW -> OPEN (streamable-http{})", session.shortId(),
                profile == null ? "" : ", profile " + profile);
        return session;
    }

    private void closed(StreamableSession session) {
        sessions.remove(session.id(), session);
        try {
            listener.closed(session);
        } catch (RuntimeException e) {
            log.warn("the session listener failed on closed({})", session.shortId(), e);
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
                    "unknown or expired session " + StreamableSession.shortId(sessionId) + ": initialize a new session");
            return null;
        }
        if (!java.util.Objects.equals(session.profile(), profileOf(request))) {
            // a session is bound to the endpoint that opened it: a profile's token must not drive another view
            HttpIo.rpcError(response, callback, 404, JsonRpc.INVALID_REQUEST, "session "
                    + StreamableSession.shortId(sessionId) + " was not opened on " + Request.getPathInContext(request)
                    + ": initialize a new session on this endpoint");
            return null;
        }
        if (!java.util.Objects.equals(session.caller(), callerOf(request))) {
            // a session is its user's: another user's valid token must not drive it (or their upstream credential)
            HttpIo.rpcError(response, callback, 404, JsonRpc.INVALID_REQUEST, "session "
                    + StreamableSession.shortId(sessionId) + " was opened by another user: initialize a session of your own");
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

    private void get(Request request, Response response, Callback callback) {
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
        if (resume != null && resume[0] != 0) {
            EventStream finished = session.retained((int) resume[0]);
            if (finished != null) {
                replay(finished, resume[1], response, callback);
                return;
            }
        }
        Admission.Permit permit;
        try {
            permit = admission.stream(Request.getRemoteAddr(request));
        } catch (Admission.Refused refused) {
            HttpIo.refuse(response, callback, refused, null);
            return;
        }
        long from = resume != null && resume[0] == 0 ? resume[1] : session.standaloneDelivered();
        session.connectionOpened();
        Object owner = new Object();
        session.claimStandalone(owner);
        StreamWriter writer = new StreamWriter(response, callback, session.standalone(), "", from, true,
                () -> session.ownsStandalone(owner), session::standaloneDelivered, keepAlives, () -> {
                    session.releaseStandalone(owner);
                    session.connectionClosed();
                    permit.release();
                });
        java.util.function.Consumer<Throwable> ended = failure -> {
            log.debug("session {}: GET stream ended: {}", session.shortId(), failure.toString());
            writer.abort(failure);
        };
        request.addFailureListener(ended);
        HttpIo.closeAfter(response);
        writer.start();
        HttpIo.onDisconnect(request, ended); // after start: an end seen at once must find the writer running
    }

    /** Replays a finished POST stream after {@code afterSeq}, then ends. */
    private void replay(EventStream stream, long afterSeq, Response response, Callback callback) {
        HttpIo.startEventStream(response);
        String text = HttpIo.eventsText(stream, stream.after(afterSeq), true);
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
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
