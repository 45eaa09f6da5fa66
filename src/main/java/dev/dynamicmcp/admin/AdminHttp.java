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

    /** The request body as UTF-8 text, or null when it is larger than {@code limit} bytes. */
    static String body(Request request, int limit) throws IOException {
        long declared = request.getLength();
        if (declared > limit) {
            return null;
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(limit + 1);
            return bytes.length > limit ? null : new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
