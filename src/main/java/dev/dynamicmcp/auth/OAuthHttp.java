package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.runtime.Failures;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The few HTTP exchanges OAuth needs (metadata GETs, form POSTs to token endpoints), over one injected
 * {@link HttpClient}. Answers are JSON objects; bodies are never logged (they carry tokens).
 *
 * <p>{@link #withDefaultClient()} builds its client at the first exchange, not up front: the proxy always holds
 * one for sign-ins that most configs never use, and a JDK client is a selector thread, its buffers and (at
 * build) the TLS context with the trust store, ~650 classes, which an http:// only proxy never needs (issue 12).
 */
public final class OAuthHttp {
    /** An answer: its status and JSON object body (empty when the body was not a JSON object). */
    public record Answer(int status, ObjectNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public String text(String field) {
            JsonNode value = body.get(field);
            return value == null || !value.isTextual() ? null : value.asText();
        }

        /** The OAuth error of a failed answer, e.g. {@code invalid_grant (refresh token revoked)}. */
        public String describeError() {
            String error = text("error");
            String description = text("error_description");
            return "HTTP " + status + (error == null ? "" : " " + error) + (description == null ? "" : " (" + description + ")");
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_BODY = 1 << 20;
    private final Supplier<HttpClient> build;
    private final ReentrantLock building = new ReentrantLock();
    private volatile HttpClient client;

    public OAuthHttp(HttpClient client) {
        this.build = null;
        this.client = client;
    }

    private OAuthHttp(Supplier<HttpClient> build) {
        this.build = build;
    }

    public static OAuthHttp withDefaultClient() {
        return new OAuthHttp(() -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build());
    }

    public HttpClient client() {
        HttpClient built = client;
        if (built != null) {
            return built;
        }
        // Once per instance. Building reads the trust store; whoever waits here needs this very client.
        building.lock();
        try {
            if (client == null) {
                client = build.get();
            }
            return client;
        } finally {
            building.unlock();
        }
    }

    /** Whether the client exists yet (it is built at the first exchange). */
    boolean clientBuilt() {
        return client != null;
    }

    public Answer get(URI uri) throws IOException {
        return send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build());
    }

    /** A metadata document (an ok answer with a JSON object body) and the URL it came from. */
    public record Document(URI url, Answer answer) {
    }

    /**
     * The first of {@code candidates}, asked in order, that answers 2xx with a JSON object (the well-known URLs a
     * discovery tries); else an IOException "no {@code what} (url: why; ...)" naming why each was passed over.
     */
    public Document firstDocument(List<URI> candidates, String what) throws IOException {
        List<String> tried = new ArrayList<>();
        for (URI candidate : candidates) {
            Answer answer;
            try {
                answer = get(candidate);
            } catch (IOException e) {
                tried.add(candidate + ": " + Failures.describe(e));
                continue;
            }
            if (!answer.ok() || answer.body().isEmpty()) {
                tried.add(candidate + ": HTTP " + answer.status());
                continue;
            }
            return new Document(candidate, answer);
        }
        throw new IOException("no " + what + " (" + String.join("; ", tried) + ")");
    }

    public Answer postJson(URI uri, JsonNode body) throws IOException {
        return send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body))).build());
    }

    /** A form POST; {@code basicUser}/{@code basicSecret} (both or neither) become client_secret_basic. */
    public Answer postForm(URI uri, Map<String, String> form, String basicUser, String basicSecret) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form)));
        if (basicUser != null && basicSecret != null) {
            // RFC 6749 §2.3.1: each part is form-encoded before joining.
            String pair = encode(basicUser) + ":" + encode(basicSecret);
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        return send(request.build());
    }

    private Answer send(HttpRequest request) throws IOException {
        HttpResponse<byte[]> response;
        try {
            response = client().send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling " + request.uri(), e);
        }
        byte[] bytes = response.body();
        ObjectNode body = Json.object();
        if (bytes != null && bytes.length > 0 && bytes.length <= MAX_BODY) {
            try {
                JsonNode parsed = Json.parse(bytes);
                if (parsed instanceof ObjectNode object) {
                    body = object;
                }
            } catch (MalformedMessageException notJson) {
                // an HTML error page or similar: the status says enough
            }
        }
        return new Answer(response.statusCode(), body);
    }

    public static String form(Map<String, String> fields) {
        StringJoiner joined = new StringJoiner("&");
        fields.forEach((k, v) -> {
            if (v != null) {
                joined.add(encode(k) + "=" + encode(v));
            }
        });
        return joined.toString();
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
