package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.MalformedMessageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) for older clients: {@code GET /sse} opens a session whose
 * first event is {@code endpoint} with the URL to POST to; {@code POST /message?sessionId=…} takes one message
 * (or a batch) and answers 202; every server message, responses included, goes on the stream as
 * {@code event: message}. The session lives exactly as long as its stream.
 */
public final class SseServerHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(SseServerHandler.class);

    private final SessionListener listener;
    private final HttpTransportOptions options;
    private final Map<String, SseSession> sessions = new ConcurrentHashMap<>();

    public SseServerHandler(SessionListener listener, HttpTransportOptions options) {
        this.listener = listener;
        this.options = options;
    }

    public int sessionCount() {
        return sessions.size();
    }

    public void closeAllSessions() {
        new ArrayList<>(sessions.values()).forEach(SseSession::close);
    }

    @Override
    protected void doStop() throws Exception {
        closeAllSessions();
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
        SseSession session = new SseSession();
        sessions.put(session.id(), session);
        session.handler = listener.opened(session);
        log.info("session {}: NEW -> OPEN (sse)", session.id());
        EventStream stream = session.stream;
        long cursor = 0;
        try {
            HttpIo.startEventStream(response);
            HttpIo.write(response, "event: endpoint\ndata: " + options.messagePath() + "?sessionId=" + session.id()
                    + "\n\n");
            while (true) {
                List<EventStream.Event> events = stream.awaitAfter(cursor, options.keepAliveInterval(), () -> true);
                if (events == null) {
                    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
                    return;
                }
                cursor = HttpIo.writeEvents(response, stream, events, false, cursor);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            log.debug("session {}: SSE stream ended: {}", session.id(), e.toString());
            callback.failed(e);
        } finally {
            session.close(); // the stream is the session
        }
    }

    private void message(Request request, Response response, Callback callback) throws IOException {
        String id = Request.extractQueryParameters(request).getValue("sessionId");
        if (id == null) {
            HttpIo.rpcError(response, callback, 400, JsonRpc.INVALID_REQUEST, "missing sessionId query parameter");
            return;
        }
        SseSession session = sessions.get(id);
        if (session == null) {
            HttpIo.rpcError(response, callback, 404, JsonRpc.INVALID_REQUEST,
                    "unknown session " + id + ": open a new stream with GET " + options.ssePath());
            return;
        }
        byte[] body;
        try {
            body = HttpIo.readBody(request, options.maxBodyBytes());
        } catch (HttpIo.BodyTooLargeException e) {
            HttpIo.rpcError(response, callback, 413, JsonRpc.INVALID_REQUEST, e.getMessage());
            return;
        }
        JsonNode parsed;
        try {
            parsed = Json.parse(body);
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
        private final EventStream stream = new EventStream(0, Math.max(1024, options.eventBufferSize()));
        private final AtomicBoolean closed = new AtomicBoolean();
        private final JsonRpcPeer peer;
        private volatile JsonRpcPeer.Handler handler;

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
            peer = new JsonRpcPeer("downstream SSE session " + id, message -> {
                if (!stream.append(message)) {
                    throw new IOException("SSE session " + id + " is closed");
                }
            }, deferred, true); // each POST /message has its own thread already
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
            log.info("session {}: OPEN -> CLOSED (sse stream ended)", id);
            sessions.remove(id, this);
            stream.complete();
            peer.close(new IOException("SSE stream of session " + id + " closed"));
            try {
                listener.closed(this);
            } catch (RuntimeException e) {
                log.warn("the session listener failed on closed({})", id, e);
            }
        }
    }
}
