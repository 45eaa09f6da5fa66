package dev.dynamicmcp.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Parses a text/event-stream as the WHATWG HTML "server-sent events" section describes: lines end with
 * CRLF, LF or CR; fields {@code event}, {@code data} (repeated lines joined with '\n'), {@code id} and
 * {@code retry}; lines starting with ':' are comments; a blank line dispatches the event.
 *
 * <p>An event with an id but no data (an MCP "priming" event) is not returned, but its id is remembered
 * in {@link #lastEventId()}, which is what a reconnect must send as {@code Last-Event-ID}.
 *
 * <p>Not thread-safe: one reader thread owns it. {@link #lastEventId()} and {@link #retryMillis()} may be
 * read from other threads.
 */
final class SseReader {
    private final BufferedReader in;
    private final int maxEventChars;
    private final StringBuilder data = new StringBuilder();
    private final StringBuilder lineBuffer = new StringBuilder();
    private String eventType = "";
    private boolean hasData;
    private volatile String lastEventId;
    private volatile long retryMillis = -1;
    private boolean pendingLf;

    SseReader(InputStream in, int maxEventChars) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 16 * 1024);
        this.maxEventChars = maxEventChars;
    }

    /** The next event that carries data; null at end of stream (an unterminated event is dropped). */
    SseEvent next() throws IOException {
        String line;
        while ((line = readLine()) != null) {
            if (line.isEmpty()) {
                SseEvent event = dispatch();
                if (event != null) {
                    return event;
                }
            } else if (line.charAt(0) != ':') {
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                field(field, value);
            }
        }
        return null;
    }

    /** The id to send as Last-Event-ID when reconnecting; null if the server never gave one. */
    String lastEventId() {
        return lastEventId;
    }

    /** The server's last {@code retry:} value in milliseconds, or -1 if it sent none. */
    long retryMillis() {
        return retryMillis;
    }

    private void field(String field, String value) throws IOException {
        switch (field) {
            case "event" -> eventType = value;
            case "data" -> {
                if (data.length() + value.length() > maxEventChars) {
                    throw new IOException("an SSE event larger than " + maxEventChars + " characters");
                }
                data.append(value).append('\n');
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9') && value.length() < 12) {
                    retryMillis = Long.parseLong(value);
                }
            }
            default -> {
                // unknown fields are ignored, as the SSE specification requires
            }
        }
    }

    private SseEvent dispatch() {
        if (!hasData) {
            eventType = "";
            return null;
        }
        data.setLength(data.length() - 1);
        SseEvent event = new SseEvent(lastEventId, eventType.isEmpty() ? "message" : eventType, data.toString());
        data.setLength(0);
        hasData = false;
        eventType = "";
        if (data.capacity() > 1024 * 1024) {
            data.trimToSize();
        }
        return event;
    }

    /** One line without its terminator (CRLF, LF or CR), or null at end of stream. */
    private String readLine() throws IOException {
        lineBuffer.setLength(0);
        while (true) {
            int c = in.read();
            if (c < 0) {
                return lineBuffer.isEmpty() ? null : lineBuffer.toString();
            }
            if (pendingLf) {
                pendingLf = false;
                if (c == '\n') {
                    continue; // the LF of a CRLF whose CR already ended the line
                }
            }
            if (c == '\n') {
                return lineBuffer.toString();
            }
            if (c == '\r') {
                pendingLf = true;
                return lineBuffer.toString();
            }
            if (lineBuffer.length() >= maxEventChars) {
                throw new IOException("an SSE line longer than " + maxEventChars + " characters");
            }
            lineBuffer.append((char) c);
        }
    }
}
