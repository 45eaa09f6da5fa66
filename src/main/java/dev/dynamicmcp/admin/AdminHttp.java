package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Small HTTP helpers shared by the admin and console handlers: JSON replies, errors, bounded bodies. */
final class AdminHttp {
    /** Larger than any sensible server entry; the host's own body limit applies too. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private AdminHttp() {
    }

    static boolean json(Response response, Callback callback, int status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
        return bytes(response, callback, status, "application/json", bytes);
    }

    static boolean error(Response response, Callback callback, int status, String message) {
        return json(response, callback, status, Json.object().put("error", message));
    }

    static boolean bytes(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /**
     * Most of a too-large body that is read and dropped before the 413: the default {@code proxy.maxBodyBytes},
     * which caps what the host lets reach the admin routes anyway.
     */
    static final long DRAIN_BEFORE_413 = 4L * MAX_BODY_BYTES;

    /**
     * The request body as UTF-8 text, or null when it is larger than {@code limit} bytes (the caller answers 413).
     *
     * <p>The rest of a too-large body is read and dropped first: answered while the client is still sending, Jetty
     * closes the connection under it, the client's next write is reset and it reports that instead of the 413 (a
     * JDK client: "header parser received no bytes"). A body beyond {@link #DRAIN_BEFORE_413}, or one whose client
     * waits for {@code 100 Continue}, is not read: the answer then says {@code Connection: close}, which Jetty does
     * not add itself to an answer written before it found the body unread.
     */
    static String body(Request request, Response response, int limit) throws IOException {
        long declared = request.getLength();
        if (declared > limit && (declared > DRAIN_BEFORE_413 || expectsContinue(request))) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            return null;
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(declared > limit ? 0 : limit + 1);
            if (declared <= limit && bytes.length <= limit) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
            if (!drained(in, DRAIN_BEFORE_413 - bytes.length)) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            return null;
        }
    }

    private static boolean expectsContinue(Request request) {
        String expect = request.getHeaders().get(HttpHeader.EXPECT);
        return expect != null && expect.equalsIgnoreCase("100-continue");
    }

    /** Reads and drops what is left of a body; false when more than {@code most} bytes were still coming. */
    private static boolean drained(InputStream in, long most) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long dropped = 0;
        for (int n; (n = in.read(sink)) >= 0; ) {
            dropped += n;
            if (dropped > most) {
                return false;
            }
        }
        return true;
    }
}
