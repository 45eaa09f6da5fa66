package dev.dynamicmcp.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Parses a text/event-stream from its bytes as they come, as the WHATWG HTML "server-sent events" section
 * describes: lines end with CRLF, LF or CR (also when a CRLF is split between two reads); fields {@code event},
 * {@code data} (repeated lines joined with '\n'), {@code id} and {@code retry}; lines starting with ':' are
 * comments; a blank line dispatches the event. An event's data stays bytes ({@link SseEvent#bytes()}: a JSON
 * message is parsed from them); the other fields are decoded as UTF-8 once their line is whole (CR and LF never
 * occur inside a multi-byte character), bytes that are not UTF-8 becoming U+FFFD as the specification says.
 *
 * <p>Push, not pull: {@link #feed} takes whatever bytes arrived and hands out the events they completed, so a
 * reader needs no thread of its own while the stream is quiet ({@link SseReader} wraps it for blocking readers).
 *
 * <p>An event with an id but no data (an MCP "priming" event) is not dispatched, but its id is remembered in
 * {@link #lastEventId()}, which is what a reconnect must send as {@code Last-Event-ID}.
 *
 * <p>Not thread-safe: one reader at a time. {@link #lastEventId()} and {@link #retryMillis()} may be read from
 * other threads.
 */
final class SseParser {
    private final int maxEventBytes;
    private byte[] line = new byte[512];
    private int lineLength;
    private boolean pendingLf;
    private byte[] data = new byte[512];
    private int dataBytes;
    private String eventType = "";
    private boolean hasData;
    private volatile String lastEventId;
    private volatile long retryMillis = -1;

    /** @param maxEventBytes the longest line and the most data one event may carry, in bytes */
    SseParser(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * Parses {@code bytes} (consuming them all) and gives {@code events} every event they completed, in order. Read
     * in place, heap or direct (the HTTP client's): no copy of the chunk first.
     */
    void feed(ByteBuffer bytes, Consumer<SseEvent> events) throws IOException {
        int end = bytes.limit();
        int start = bytes.position();
        for (int i = start; i < end; i++) {
            byte b = bytes.get(i);
            if (b != '\n' && b != '\r') {
                continue;
            }
            if (pendingLf && b == '\n' && i == start && lineLength == 0) {
                pendingLf = false; // the LF of a CRLF whose CR already ended the line
            } else {
                pendingLf = b == '\r';
                append(bytes, start, i - start);
                lineEnded(events);
            }
            start = i + 1;
        }
        if (start < end) {
            pendingLf = false;
            append(bytes, start, end - start);
        }
        bytes.position(end);
    }

    void feed(byte[] bytes, int offset, int length, Consumer<SseEvent> events) throws IOException {
        feed(ByteBuffer.wrap(bytes, offset, length), events);
    }

    /** The id to send as Last-Event-ID when reconnecting; null if the server never gave one. */
    String lastEventId() {
        return lastEventId;
    }

    /** The server's last {@code retry:} value in milliseconds, or -1 if it sent none. */
    long retryMillis() {
        return retryMillis;
    }

    /** Adds {@code length} bytes of {@code bytes} at {@code from} to the line, within the limit. */
    private void append(ByteBuffer bytes, int from, int length) throws IOException {
        if ((long) lineLength + length > maxEventBytes) {
            throw new IOException("an SSE line longer than " + maxEventBytes + " bytes");
        }
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.min(maxEventBytes, Math.max(lineLength + length, line.length * 2)));
        }
        bytes.get(from, line, lineLength, length);
        lineLength += length;
    }

    private void lineEnded(Consumer<SseEvent> events) throws IOException {
        int length = lineLength;
        lineLength = 0;
        field(length);
        if (line.length > 64 * 1024) {
            line = new byte[512]; // one huge event must not keep its buffer for the stream's whole life
        }
        if (length == 0) {
            dispatch(events);
        }
    }

    /** The field on the line of {@code length} bytes (none when blank: the event is dispatched then). */
    private void field(int length) throws IOException {
        if (length == 0) {
            return;
        }
        if (line[0] == ':') {
            return; // a comment
        }
        int colon = 0;
        while (colon < length && line[colon] != ':') {
            colon++;
        }
        int valueStart = colon + 1;
        if (valueStart < length && line[valueStart] == ' ') {
            valueStart++;
        }
        int valueLength = Math.max(0, length - valueStart);
        if (is("data", colon)) {
            if ((long) dataBytes + valueLength > maxEventBytes) {
                throw new IOException("an SSE event larger than " + maxEventBytes + " bytes");
            }
            if (dataBytes + valueLength + 1 > data.length) {
                data = Arrays.copyOf(data, Math.min(maxEventBytes + 1, Math.max(dataBytes + valueLength + 1,
                        data.length * 2)));
            }
            System.arraycopy(line, valueStart, data, dataBytes, valueLength);
            dataBytes += valueLength;
            data[dataBytes++] = '\n';
            hasData = true;
        } else if (is("event", colon)) {
            eventType = new String(line, valueStart, valueLength, StandardCharsets.UTF_8);
        } else if (is("id", colon)) {
            String id = new String(line, valueStart, valueLength, StandardCharsets.UTF_8);
            if (id.indexOf('\0') < 0) {
                lastEventId = id;
            }
        } else if (is("retry", colon)) {
            retry(valueStart, valueLength);
        }
        // unknown fields are ignored, as the SSE specification requires
    }

    /** Is the line's field (its first {@code length} bytes) {@code name}? */
    private boolean is(String name, int length) {
        if (length != name.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (line[i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void retry(int start, int length) {
        if (length == 0 || length >= 12) {
            return;
        }
        long millis = 0;
        for (int i = start; i < start + length; i++) {
            if (line[i] < '0' || line[i] > '9') {
                return;
            }
            millis = millis * 10 + (line[i] - '0');
        }
        retryMillis = millis;
    }

    private void dispatch(Consumer<SseEvent> events) {
        if (!hasData) {
            eventType = "";
            return;
        }
        SseEvent event = new SseEvent(lastEventId, eventType.isEmpty() ? "message" : eventType,
                Arrays.copyOf(data, dataBytes - 1)); // without the last line's '\n'
        dataBytes = 0;
        hasData = false;
        eventType = "";
        if (data.length > 64 * 1024) {
            data = new byte[512]; // as for the line: one huge event must not keep its buffer
        }
        events.accept(event);
    }
}
