package dev.dynamicmcp.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A blocking reader of a text/event-stream: {@link SseParser} fed from an {@link InputStream}, for the streams a
 * thread reads for their whole life (a session's GET stream, a resumed stream, the legacy SSE transport).
 *
 * <p>Not thread-safe: one reader thread owns it. {@link #lastEventId()} and {@link #retryMillis()} may be
 * read from other threads.
 */
final class SseReader {
    private final InputStream in;
    private final SseParser parser;
    private final ArrayDeque<SseEvent> ready = new ArrayDeque<>();
    private final byte[] buffer = new byte[8 * 1024];

    SseReader(InputStream in, int maxEventBytes) {
        this.in = in;
        this.parser = new SseParser(maxEventBytes);
    }

    /** The next event that carries data; null at end of stream (an unterminated event is dropped). */
    SseEvent next() throws IOException {
        while (ready.isEmpty()) {
            int n = in.read(buffer, 0, buffer.length);
            if (n < 0) {
                return null;
            }
            parser.feed(buffer, 0, n, ready::add);
        }
        return ready.poll();
    }

    /** The id to send as Last-Event-ID when reconnecting; null if the server never gave one. */
    String lastEventId() {
        return parser.lastEventId();
    }

    /** The server's last {@code retry:} value in milliseconds, or -1 if it sent none. */
    long retryMillis() {
        return parser.retryMillis();
    }
}
