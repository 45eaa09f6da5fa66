package dev.dynamicmcp.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Small helpers for HTTP response bodies shared by the HTTP transports. */
final class HttpBodies {
    private static final int ERROR_BODY_CHARS = 300;
    /** A JSON answer is one document; as large as an SSE event may be. */
    static final int MAX_BODY_BYTES = HttpStreams.MAX_EVENT_BYTES;

    private HttpBodies() {
    }

    /** The start of an error body, for the exception message; reads at most a few hundred bytes. */
    static String errorSnippet(HttpAnswer answer) {
        try {
            byte[] bytes = answer.body().readNBytes(ERROR_BODY_CHARS * 4);
            String text = new String(bytes, StandardCharsets.UTF_8).strip().replace('\n', ' ');
            return text.length() > ERROR_BODY_CHARS ? text.substring(0, ERROR_BODY_CHARS) + "..." : text;
        } catch (IOException e) {
            return "";
        } finally {
            answer.close();
        }
    }

    /** The whole body (bounded by {@link #MAX_BODY_BYTES}). */
    static String readAll(HttpAnswer answer) throws IOException {
        try {
            return answer.readText(MAX_BODY_BYTES);
        } finally {
            answer.close();
        }
    }
}
