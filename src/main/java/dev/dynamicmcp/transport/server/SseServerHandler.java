package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.protocol.MessageTooLargeException;
import dev.dynamicmcp.protocol.OversizedMessage;
import dev.dynamicmcp.config.ServingLimits;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) for older clients: {@code GET /sse} opens a session whose
 * first event is {@code endpoint} with the URL to POST to; {@code POST /message?sessionId=…} takes one message
 * (or a batch) and answers 202; every server message, responses included, goes on the stream as
 * {@code event: message}. The session lives exactly as long as its stream, which is written asynchronously
 * ({@link StreamWriter}) and holds no thread; a client whose connection is gone gets 404 for its next post.
 */
public final class SseServerHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(SseServerHandler.class);

    private final SessionListener listener;
    private final HttpTransportOptions options;
    private final Admission admission;
    private final EventBudget budget;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final KeepAlives keepAlives;
    private final Map<String, SseSession> sessions = new ConcurrentHashMap<>();

    /** A handler with the default limits and its own scheduler (closed when the handler stops). */
    public SseServerHandler(SessionListener listener, HttpTransportOptions options) {
        this(listener, options, new Admission(ServingLimits.DEFAULTS), null, null);
    }

    SseServerHandler(SessionListener listener, HttpTransportOptions options, Admission admission,
                     EventBudget budget, Scheduler scheduler) {
        this.listener = listener;
        this.options = options;
        this.admission = admission;
        this.budget = budget != null ? budget : new EventBudget(admission.limits().maxBufferedEvents());
        this.ownsScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : new SystemScheduler();
        this.keepAlives = new KeepAlives(this.scheduler, options.keepAliveInterval());
    }

    public int sessionCount() {
        return sessions.size();
    }

    public void closeAllSessions() {
        new ArrayList<>(sessions.values()).forEach(SseSession::close);
    }

    @Override
    protected void doStart() throws Exception {
        keepAlives.start();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        keepAlives.stop();
        closeAllSessions();
        if (ownsScheduler) {
            scheduler.close(Duration.ofSeconds(1));
        }
        super.doStop();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (options.ssePath().equals(path) && "GET".equals(request.getMethod())) {
            stream(request, response, callback);
            return true;
        }
        if (options.messagePath().equals(path) && "POST".equals(request.getMethod())) {
            message(request, response, callback);
            return true;
        }
        return false;
    }

    private void stream(Request request, Response response, Callback callback) {
        if (!HttpIo.accepts(request, HttpIo.EVENT_STREAM) && request.getHeaders().get("Accept") != null
                && !HttpIo.accepts(request, "*/*")) {
            HttpIo.text(response, callback, 406, "the Accept header must allow text/event-stream");
            return;
        }
        Admission.Permit permit;
        try {
            permit = admission.stream(Request.getRemoteAddr(request));
        } catch (Admission.Refused refused) {
            HttpIo.refuse(response, callback, refused, null);
            return;
        }
        SseSession session = new SseSession();
        session.endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        sessions.put(session.id(), session);
        session.handler = listener.opened(session);
        log.info("session {}: NEW -> OPEN (sse)", StreamableSession.shortId(session.id()));
        StreamWriter writer = new StreamWriter(response, callback, session.stream,
                "event: endpoint\ndata: " + options.messagePath() + "?sessionId=" + session.id() + "\n\n", 0, false,
                () -> true, seq -> { }, keepAlives, () -> {
                    permit.release();
                    session.close(); // the stream is the session
                });
        java.util.function.Consumer<Throwable> ended = failure -> {
            log.debug("session {}: SSE stream ended: {}", StreamableSession.shortId(session.id()), failure.toString());
            writer.abort(failure);
        };
        request.addFailureListener(ended);
        HttpIo.closeAfter(response);
        writer.start();
        HttpIo.onDisconnect(request, ended); // after start: an end seen at once must find the writer running
    }

    private void message(Request request, Response response, Callback callback) {
        String id = Request.extractQueryParameters(request).getValue("sessionId");
        if (id == null) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST, "missing sessionId query parameter");
            return;
        }
        SseSession session = sessions.get(id);
        if (session == null || !session.isLive()) {
            if (session != null) {
                session.close(); // its stream is gone (the connection failed): the session is over
            }
            HttpIo.rpcError(response, callback, 404, JsonRpc.INVALID_REQUEST,
                    "unknown or closed session " + StreamableSession.shortId(id) + ": open a new stream with GET "
                            + options.ssePath());
            return;
        }
        if (!HttpIo.isJson(request)) {
            HttpIo.unsupportedMediaType(request, response, callback);
            return;
        }
        HttpIo.readBody(request, options.maxBodyBytes(), response, callback,
                body -> posted(session, response, callback, body));
    }

    private void posted(SseSession session, Response response, Callback callback, byte[] body) {
        JsonNode parsed;
        try {
            parsed = Json.parse(body);
        } catch (MessageTooLargeException e) {
            OversizedMessage.Envelope envelope = OversizedMessage.envelope(body, 0, body.length);
            if (envelope.answersRequest()) { // the client's answer to one of our requests: that request fails
                session.peer.onMessage(OversizedMessage.failedAnswer(envelope.id()));
                HttpIo.text(response, callback, 202, "Accepted");
            } else {
                HttpIo.json(response, callback, 400, OversizedMessage.refusal(envelope));
            }
            return;
        } catch (MalformedMessageException e) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.PARSE_ERROR, "parse error: " + e.getMessage());
            return;
        }
        List<ObjectNode> messages = new ArrayList<>();
        for (JsonNode node : parsed.isArray() ? parsed : List.of(parsed)) {
            try {
                JsonRpc.kind(node);
            } catch (MalformedMessageException e) {
                HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST, "invalid request: " + e.getMessage());
                return;
            }
            messages.add((ObjectNode) node);
        }
        messages.forEach(session.peer::onMessage);
        HttpIo.text(response, callback, 202, "Accepted");
    }

    private final class SseSession implements DownstreamSession {
        private final String id = StreamableSession.newId();
        private final EventStream stream = new EventStream(0, Math.max(1024, options.eventBufferSize()), budget);
        private final AtomicBoolean closed = new AtomicBoolean();
        private final JsonRpcPeer peer;
        private volatile JsonRpcPeer.Handler handler;
        /** The connection of the stream: when it is gone, so is the session. */
        private volatile EndPoint endPoint;

        boolean isLive() {
            EndPoint connection = endPoint;
            return !closed.get() && (connection == null || connection.isOpen());
        }

        SseSession() {
            JsonRpcPeer.Handler deferred = new JsonRpcPeer.Handler() {
                @Override
                public java.util.concurrent.CompletableFuture<JsonNode> onRequest(ObjectNode request) {
                    return handler.onRequest(request);
                }

                @Override
                public void onNotification(ObjectNode notification) {
                    handler.onNotification(notification);
                }
            };
            peer = new JsonRpcPeer("downstream SSE session " + StreamableSession.shortId(id), message -> {
                if (!stream.append(message)) {
                    throw new IOException("SSE session " + StreamableSession.shortId(id) + " is closed");
                }
            }, deferred, true, scheduler); // each POST /message has its own thread already; the handler's timers
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String transport() {
            return "sse";
        }

        @Override
        public JsonRpcPeer peer() {
            return peer;
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            log.info("session {}: OPEN -> CLOSED (sse stream ended)", StreamableSession.shortId(id));
            sessions.remove(id, this);
            stream.complete();
            stream.release();
            peer.close(new IOException("SSE stream of session " + StreamableSession.shortId(id) + " closed"));
            try {
                listener.closed(this);
            } catch (RuntimeException e) {
                log.warn("the session listener failed on closed({})", StreamableSession.shortId(id), e);
            }
        }
    }
}
