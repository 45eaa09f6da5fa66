package dev.dynamicmcp.transport.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Writes one long-lived SSE response (a Streamable HTTP GET, a legacy {@code /sse} stream) from an
 * {@link EventStream}, without holding a thread: the handler returns at once, and each write is an
 * asynchronous {@link Response#write} started when events arrive (on the appender's thread, which never waits
 * for it), when a keep-alive is due, or when the stream ends. {@link IteratingCallback} keeps the writes one at
 * a time however many threads wake it.
 */
final class StreamWriter extends IteratingCallback implements KeepAlives.Target {
    private static final ByteBuffer KEEP_ALIVE = ByteBuffer.wrap(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8))
            .asReadOnlyBuffer();

    private final Response response;
    private final Callback callback;
    private final EventStream stream;
    private final boolean ids;
    private final BooleanSupplier stillWanted;
    private final LongConsumer delivered;
    private final Runnable onEnd;
    private final KeepAlives keepAlives;
    private final Runnable wake = this::iterate;
    // Only touched inside process()/onSuccess(), which IteratingCallback runs one at a time.
    private String preamble;
    private long cursor;
    private long writing = -1;
    private boolean ending;
    private volatile boolean keepAliveDue;

    /**
     * @param preamble    written first ("" commits the headers at once; legacy SSE sends its endpoint event)
     * @param from        the sequence number after which to start
     * @param ids         write SSE ids (Streamable HTTP) or not (legacy SSE)
     * @param stillWanted false once this writer was replaced or its session ended: the response ends
     * @param delivered   told the newest sequence number written
     * @param onEnd       runs once when the response is done, either way (releases what the stream held)
     */
    StreamWriter(Response response, Callback callback, EventStream stream, String preamble, long from, boolean ids,
                 BooleanSupplier stillWanted, LongConsumer delivered, KeepAlives keepAlives, Runnable onEnd) {
        this.keepAlives = keepAlives;
        this.response = response;
        this.callback = callback;
        this.stream = stream;
        this.preamble = preamble;
        this.cursor = from;
        this.ids = ids;
        this.stillWanted = stillWanted;
        this.delivered = delivered;
        this.onEnd = onEnd;
    }

    /** Sets the SSE headers, becomes the stream's reader and writes what is there already. */
    void start() {
        HttpIo.startEventStream(response);
        stream.reader(wake);
        keepAlives.add(this);
        iterate();
    }

    /** Writes a comment line at the next chance, so intermediaries keep the connection and a vanished client is noticed. */
    @Override
    public void keepAlive() {
        keepAliveDue = true;
        iterate();
    }

    @Override
    protected Action process() {
        if (ending) {
            return Action.SUCCEEDED;
        }
        if (preamble != null) {
            String text = preamble;
            preamble = null;
            write(text.isEmpty() ? BufferUtil.EMPTY_BUFFER : utf8(text));
            return Action.SCHEDULED;
        }
        List<EventStream.Event> events = stillWanted.getAsBoolean() ? stream.take(cursor) : null;
        if (events == null) { // replaced, closed, or complete and drained
            ending = true;
            response.write(true, BufferUtil.EMPTY_BUFFER, this);
            return Action.SCHEDULED;
        }
        if (!events.isEmpty()) {
            writing = events.get(events.size() - 1).seq();
            write(utf8(HttpIo.eventsText(stream, events, ids)));
            return Action.SCHEDULED;
        }
        if (keepAliveDue) {
            keepAliveDue = false;
            write(KEEP_ALIVE.slice());
            return Action.SCHEDULED;
        }
        return Action.IDLE;
    }

    @Override
    protected void onSuccess() {
        if (writing >= 0) {
            cursor = writing;
            writing = -1;
            delivered.accept(cursor);
        }
    }

    @Override
    protected void onCompleteSuccess() {
        finish();
        callback.succeeded();
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
        finish();
        callback.failed(cause);
    }

    private void finish() {
        keepAlives.remove(this);
        stream.releaseReader(wake);
        onEnd.run();
    }

    private void write(ByteBuffer bytes) {
        response.write(false, bytes, this);
    }

    private static ByteBuffer utf8(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
