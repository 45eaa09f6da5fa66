package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Answers one POST of requests without holding a thread while they run: JSON when the responses come before
 * anything else, or SSE as soon as a related message comes first or the answer is slow ({@link #slow}, after
 * the keep-alive interval); then the stream carries those messages and the responses, and ends. Woken by the
 * exchange's {@link EventStream}, the slow timer, keep-alives and the client going away ({@link #abort}).
 */
final class PostAnswer extends IteratingCallback implements KeepAlives.Target {
    private static final ByteBuffer KEEP_ALIVE = ByteBuffer.wrap(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8))
            .asReadOnlyBuffer();

    private final PostExchange exchange;
    private final boolean batch;
    private final Response response;
    private final Callback callback;
    private final Consumer<Throwable> onEnd;
    private final KeepAlives keepAlives;
    private final Runnable watchClient;
    private final Runnable wake = this::iterate;
    /** The HTTP status of an answer written as JSON (a session's POST: always 200). */
    private final java.util.function.ToIntFunction<JsonNode> status;
    // Only touched inside process(), which IteratingCallback runs one at a time.
    private boolean streaming;
    private boolean committed;
    private boolean ending;
    private boolean watching;
    private long cursor;
    private volatile boolean watchDue;
    private volatile boolean slow;
    private volatile boolean keepAliveDue;

    /** @param onEnd runs once when the answer is done: with null, or with why it failed (the client left) */
    /**
     * @param watchClient starts watching the connection for the client's end ({@link HttpIo#onDisconnect}); run
     *                    at most once, from {@link #process}, when the response carries {@code Connection: close}
     */
    PostAnswer(PostExchange exchange, boolean batch, Response response, Callback callback, KeepAlives keepAlives,
               Runnable watchClient, Consumer<Throwable> onEnd) {
        this(exchange, batch, response, callback, keepAlives, watchClient, onEnd, answer -> 200);
    }

    /** @param status the HTTP status of an answer written as JSON (the stateless revision maps errors to 4xx) */
    PostAnswer(PostExchange exchange, boolean batch, Response response, Callback callback, KeepAlives keepAlives,
               Runnable watchClient, Consumer<Throwable> onEnd, java.util.function.ToIntFunction<JsonNode> status) {
        this.status = status;
        this.keepAlives = keepAlives;
        this.watchClient = watchClient;
        this.exchange = exchange;
        this.batch = batch;
        this.response = response;
        this.callback = callback;
        this.onEnd = onEnd;
    }

    /** Becomes the reader of the exchange's stream; the first {@link #iterate} looks at what came. */
    void attach() {
        exchange.stream().reader(wake);
        keepAlives.add(this);
    }

    /** The answer is taking longer than the keep-alive interval: stream from here on. */
    void slow() {
        slow = true;
        iterate();
    }

    @Override
    public void keepAlive() {
        keepAliveDue = true;
        iterate();
    }

    /**
     * The answer is taking a while: watch for the client going away, so its requests are cancelled at once and
     * not when a write fails. Only for slow answers: the watch costs the connection's reuse
     * ({@code Connection: close}), which quick answers keep.
     */
    void watch() {
        watchDue = true;
        iterate();
    }

    @Override
    protected Action process() throws IOException {
        if (ending) {
            return Action.SUCCEEDED;
        }
        if (exchange.isAbandoned()) {
            throw new IOException("the client went away");
        }
        if (watchDue && !watching && !response.isCommitted()) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        if (watchDue && !watching && response.getHeaders().contains(HttpHeader.CONNECTION, "close")) {
            watching = true;
            watchClient.run();
        }
        EventStream stream = exchange.stream();
        if (!streaming) {
            List<EventStream.Event> all = stream.after(0);
            boolean onlyResponses = onlyResponses(all);
            if (onlyResponses && stream.isComplete() && all.size() >= exchange.requestCount()) {
                stream.take(0);
                ending = true;
                JsonNode body = batch ? responsesArray(all) : all.get(0).message();
                response.setStatus(status.applyAsInt(body));
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpIo.JSON);
                response.write(true, ByteBuffer.wrap(Json.writeBytes(body)), this);
                return Action.SCHEDULED;
            }
            if (onlyResponses && !slow) {
                return Action.IDLE; // nothing yet, or part of a batch: wait for the rest
            }
            // a related message came first, or the answer is slow: stream from here on
            streaming = true;
            exchange.markUsedEvents();
            HttpIo.startEventStream(response);
            response.getHeaders().put(HttpHeader.CONNECTION, "close"); // a stream: its connection may be watched
            cursor = 0;
        }
        List<EventStream.Event> events = stream.take(cursor);
        if (events == null) {
            ending = true;
            response.write(true, BufferUtil.EMPTY_BUFFER, this);
            return Action.SCHEDULED;
        }
        if (!events.isEmpty()) {
            cursor = events.get(events.size() - 1).seq();
            committed = true;
            response.write(false, ByteBuffer.wrap(HttpIo.eventsText(stream, events, true)
                    .getBytes(StandardCharsets.UTF_8)), this);
            return Action.SCHEDULED;
        }
        if (!committed || keepAliveDue) { // the headers go out at once, so the client knows a stream comes
            keepAliveDue = false;
            response.write(false, committed ? KEEP_ALIVE.slice() : BufferUtil.EMPTY_BUFFER, this);
            committed = true;
            return Action.SCHEDULED;
        }
        return Action.IDLE;
    }

    @Override
    protected void onCompleteSuccess() {
        keepAlives.remove(this);
        exchange.stream().releaseReader(wake);
        onEnd.accept(null);
        callback.succeeded();
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
        keepAlives.remove(this);
        exchange.stream().releaseReader(wake);
        onEnd.accept(cause);
        callback.failed(cause);
    }

    private static JsonNode responsesArray(List<EventStream.Event> events) {
        var array = Json.array();
        events.forEach(e -> array.add(e.message()));
        return array;
    }

    /** True when every event is a response (a plain loop: this runs at least once per POST). */
    private static boolean onlyResponses(List<EventStream.Event> events) {
        for (EventStream.Event event : events) {
            if (!isResponse(event.message())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isResponse(ObjectNode message) {
        return !message.has("method");
    }
}
