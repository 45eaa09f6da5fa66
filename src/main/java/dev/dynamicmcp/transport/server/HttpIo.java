package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/** Small helpers over Jetty's core request/response API; nothing here blocks a thread. */
final class HttpIo {
    static final String JSON = "application/json";
    static final String EVENT_STREAM = "text/event-stream";

    /** The request body was larger than allowed. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(long limit) {
            super("the request body is larger than the limit of " + limit + " bytes (proxy.maxBodyBytes)");
        }
    }

    private HttpIo() {
    }

    /**
     * True when an {@code Accept} header names the media type (parameters and case aside). Runs on every POST:
     * reads the header in place, with no list, split or lower-cased copy.
     */
    static boolean accepts(Request request, String mediaType) {
        for (HttpField field : request.getHeaders()) {
            if (field.getHeader() == HttpHeader.ACCEPT && listsMediaType(field.getValue(), mediaType)) {
                return true;
            }
        }
        return false;
    }

    /** True when the comma-separated {@code value} has {@code mediaType} among its types. */
    static boolean listsMediaType(String value, String mediaType) {
        if (value == null) {
            return false;
        }
        for (int start = 0; start <= value.length(); ) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? value.length() : comma;
            if (typeIs(value, start, end, mediaType)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** True when {@code value[start, end)}, its parameters (after ';') and spaces aside, is the media type. */
    private static boolean typeIs(String value, int start, int end, String mediaType) {
        int semicolon = value.indexOf(';', start);
        int to = semicolon >= 0 && semicolon < end ? semicolon : end;
        int from = start;
        while (from < to && Character.isWhitespace(value.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(value.charAt(to - 1))) {
            to--;
        }
        return to - from == mediaType.length() && value.regionMatches(true, from, mediaType, 0, mediaType.length());
    }

    /** Writes a complete JSON response and completes the callback. */
    static void json(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        response.write(true, ByteBuffer.wrap(Json.writeBytes(body)), callback);
    }

    /** Writes a JSON-RPC error (id null) with an HTTP status; the text names the problem. */
    static void rpcError(Response response, Callback callback, int status, int code, String message) {
        json(response, callback, status, JsonRpc.error(NullNode.getInstance(), code, message, null));
    }

    /** Writes a plain-text error; for the checks that run before any MCP handler. */
    static void text(Response response, Callback callback, int status, String message) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap((message + "\n").getBytes(StandardCharsets.UTF_8)), callback);
    }

    static void empty(Response response, Callback callback, int status) {
        response.setStatus(status);
        response.write(true, BufferUtil.EMPTY_BUFFER, callback);
    }

    /** Sets the SSE headers; the first {@link #write} commits them. */
    static void startEventStream(Response response) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, EVENT_STREAM);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("X-Accel-Buffering", "no");
    }

    /** One SSE event; {@code id} may be null. */
    static String event(String id, String event, JsonNode data) {
        StringBuilder text = new StringBuilder();
        if (id != null) {
            text.append("id: ").append(id).append('\n');
        }
        return text.append("event: ").append(event).append('\n')
                .append("data: ").append(Json.write(data)).append("\n\n").toString();
    }

    /** A batch of a stream's events as SSE {@code message} events, with their ids when {@code ids} is true. */
    static String eventsText(EventStream stream, List<EventStream.Event> events, boolean ids) {
        StringBuilder text = new StringBuilder();
        for (EventStream.Event event : events) {
            text.append(event(ids ? stream.eventId(event.seq()) : null, "message", event.message()));
        }
        return text.toString();
    }

    /** Writes the refusal of a limit: its status, Retry-After, and a JSON-RPC error with the request's id. */
    static void refuse(Response response, Callback callback, Admission.Refused refused, JsonNode requestId) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(refused.retryAfterSeconds));
        json(response, callback, refused.status, JsonRpc.error(requestId == null ? NullNode.getInstance() : requestId,
                refused.status == 503 ? JsonRpc.SERVER_UNAVAILABLE : JsonRpc.INVALID_REQUEST, refused.getMessage(),
                null));
    }

    /** Whether the request's Content-Type is {@code application/json} (parameters such as charset allowed). */
    static boolean isJson(Request request) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type != null && typeIs(type, 0, type.length(), JSON);
    }

    /** Writes the 415 for a POST whose body is not declared as JSON. */
    static void unsupportedMediaType(Request request, Response response, Callback callback) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String message = (type == null ? "no Content-Type" : "Content-Type \"" + type + "\" is not supported")
                + ": send the JSON-RPC message with Content-Type: application/json";
        answerAfterBody(request, response, () -> rpcError(response, callback, 415, JsonRpc.INVALID_REQUEST, message));
    }

    /** Largest body read (and dropped) before a refusal, so the connection stays usable for the client's next request. */
    static final long DRAIN_BEFORE_REFUSAL = 64 * 1024;

    /**
     * Answers a refused request once its (small) body has been read: answering while the client is still sending
     * makes the server close the connection under it, and a client that reuses the connection sees it reset
     * instead of the status. A large or endless body is not waited for: the answer then closes the connection.
     */
    static void answerAfterBody(Request request, Response response, Runnable answer) {
        long length = request.getLength();
        if (length == 0) {
            answer.run();
            return;
        }
        if (length < 0 || length > DRAIN_BEFORE_REFUSAL) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            answer.run();
            return;
        }
        readBody(request, DRAIN_BEFORE_REFUSAL, Promise.from(body -> answer.run(), failure -> {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            answer.run();
        }));
    }

    /**
     * Reads the whole body without holding a thread while the client sends it; fails with
     * {@link BodyTooLargeException} as soon as more than {@code limit} bytes came.
     */
    static void readBody(Request request, long limit, Promise<byte[]> promise) {
        if (request.getLength() > limit) {
            promise.failed(new BodyTooLargeException(limit));
            return;
        }
        new BodyReader(request, limit, promise).run();
    }

    /**
     * {@link #readBody} for a JSON-RPC POST: the body goes to {@code onBody}; one over {@code limit} is answered
     * 413 with a JSON-RPC error; any other failure fails the exchange.
     */
    static void readBody(Request request, long limit, Response response, Callback callback,
                         java.util.function.Consumer<byte[]> onBody) {
        readBody(request, limit, Promise.from(onBody::accept, failure -> {
            if (failure instanceof BodyTooLargeException) {
                rpcError(response, callback, 413, JsonRpc.INVALID_REQUEST, failure.getMessage());
            } else {
                callback.failed(failure);
            }
        }));
    }

    private static final class BodyReader implements Runnable {
        private final Request request;
        private final long limit;
        private final Promise<byte[]> promise;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        BodyReader(Request request, long limit, Promise<byte[]> promise) {
            this.request = request;
            this.limit = limit;
            this.promise = promise;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    promise.failed(chunk.getFailure());
                    return;
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                if (body.size() + (long) bytes.remaining() > limit) {
                    chunk.release();
                    promise.failed(new BodyTooLargeException(limit));
                    return;
                }
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                body.writeBytes(copy);
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    promise.succeeded(body.toByteArray());
                    return;
                }
            }
        }
    }

    /**
     * Marks a response as the last on its connection ({@code Connection: close}), so that {@link #onDisconnect}
     * may watch that connection: Jetty then reads no next request from it after the response.
     */
    static void closeAfter(Response response) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    /**
     * Calls {@code gone} as soon as the client closes the connection of a long-lived response. Jetty reads
     * nothing from a connection while its response is being written, so on its own a vanished client is only
     * noticed at the next write (a keep-alive, up to its interval later): legacy SSE took posts into a dead
     * session meanwhile, and a POST's requests kept running. The client has sent its whole request and sends
     * nothing more on that connection, so read interest there only ever fires for its end. The response must
     * carry {@link #closeAfter}: the watch would otherwise read the next request on the connection.
     */
    static void onDisconnect(Request request, Consumer<Throwable> gone) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        Callback probe = new Callback() {
            @Override
            public void succeeded() {
                try {
                    ByteBuffer buffer = BufferUtil.allocate(256);
                    int read = endPoint.fill(buffer);
                    if (read < 0) {
                        gone.accept(new java.io.EOFException("the client closed the connection"));
                    } else if (endPoint.isOpen()) {
                        endPoint.tryFillInterested(this); // nothing (or stray bytes, ignored): keep watching
                    }
                } catch (IOException | RuntimeException e) {
                    gone.accept(e);
                }
            }

            @Override
            public void failed(Throwable cause) {
                gone.accept(cause);
            }
        };
        endPoint.tryFillInterested(probe);
    }
}
