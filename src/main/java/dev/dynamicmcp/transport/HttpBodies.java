package dev.dynamicmcp.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Small helpers for HTTP response bodies shared by the HTTP transports. */
final class HttpBodies {
    private static final int ERROR_BODY_CHARS = 300;

    private HttpBodies() {
    }

    /** The start of an error body, for the exception message; reads at most a few hundred bytes. */
    static String errorSnippet(InputStream body) {
        try (body) {
            String text = new String(body.readNBytes(ERROR_BODY_CHARS * 4), StandardCharsets.UTF_8).strip()
                    .replace('\n', ' ');
            return text.length() > ERROR_BODY_CHARS ? text.substring(0, ERROR_BODY_CHARS) + "..." : text;
        } catch (IOException e) {
            return "";
        }
    }

    static String readAll(InputStream body) throws IOException {
        try (body) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // the exchange is being abandoned either way
        }
    }
}
