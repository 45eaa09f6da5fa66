package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/** Small blocking helpers over Jetty's core request/response API (handlers run on virtual threads). */
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

    /** Reads the whole body, refusing more than {@code limit} bytes without reading them all. */
    static byte[] readBody(Request request, long limit) throws IOException {
        long declared = request.getLength();
        if (declared > limit) {
            throw new BodyTooLargeException(limit);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw new BodyTooLargeException(limit);
            }
            return body;
        }
    }

    static boolean accepts(Request request, String mediaType) {
        for (String value : request.getHeaders().getValuesList(HttpHeader.ACCEPT)) {
            for (String part : value.split(",")) {
                String type = part.split(";", 2)[0].trim().toLowerCase();
                if (type.equals(mediaType)) {
                    return true;
                }
            }
        }
        return false;
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

    /** Writes and flushes, blocking until the bytes are gone or the write failed. */
    /**
     * Writes a batch of a stream's events as SSE {@code message} events (with their ids when {@code ids} is
     * true; legacy SSE has none), or a keep-alive comment when the batch is empty. Returns the last sequence
     * number written, or {@code after} when nothing was.
     */
    static long writeEvents(Response response, EventStream stream, List<EventStream.Event> events, boolean ids,
                            long after) throws IOException {
        if (events.isEmpty()) {
            write(response, ": keep-alive\n\n");
            return after;
        }
        StringBuilder text = new StringBuilder();
        for (EventStream.Event event : events) {
            text.append(event(ids ? stream.eventId(event.seq()) : null, "message", event.message()));
        }
        write(response, text.toString());
        return events.get(events.size() - 1).seq();
    }

    static void write(Response response, String text) throws IOException {
        write(response, false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    static void write(Response response, boolean last, ByteBuffer bytes) throws IOException {
        try (Blocker.Callback blocker = Blocker.callback()) {
            response.write(last, bytes, blocker);
            blocker.block();
        }
    }
}
