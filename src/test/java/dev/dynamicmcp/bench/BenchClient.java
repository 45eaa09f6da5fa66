package dev.dynamicmcp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal Streamable HTTP MCP client for the load generator: initialize, notifications/initialized, then
 * requests; keeps the {@code Mcp-Session-Id}; reads a JSON body or an SSE stream (the answer is the event
 * whose id matches). A URL written {@code sse:http://...} selects the legacy HTTP+SSE transport instead (GET
 * stream, {@code endpoint} event, POSTs answered on the stream), for gateways that offer nothing else; one
 * written {@code modern:http://...} speaks the stateless 2026-07-28 revision (no handshake, no session: every
 * request carries its {@code _meta} envelope and the {@code MCP-Protocol-Version}/{@code Mcp-Method}/
 * {@code Mcp-Name} headers). A POST that fails because it went out on a keep-alive connection the server had
 * just closed (no byte of an answer came back) is sent once more on a fresh one and counted in
 * {@link #staleRetries()}, not as a failure: that race is the client's pool, not the server under test. Kept
 * independent of the proxy's own client so the benchmark measures the proxy, not
 * itself. One instance is one session and is used by one thread at a time.
 */
final class BenchClient implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String MODERN_VERSION = "2026-07-28";
    private static final AtomicLong STALE_RETRIES = new AtomicLong();

    private final HttpClient http;
    private final URI uri;
    /** Legacy SSE only: the stream, where it says to POST, and the requests waiting for their answer. */
    private final boolean legacySse;
    private final boolean modern;
    private java.util.stream.Stream<String> sseLines;
    private URI postEndpoint;
    private final java.util.Map<Long, java.util.concurrent.CompletableFuture<JsonNode>> waiting =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private String sessionId;
    private String protocolVersion;

    BenchClient(HttpClient http, URI uri) {
        this.http = http;
        this.legacySse = uri.toString().startsWith("sse:");
        this.modern = uri.toString().startsWith("modern:");
        this.uri = legacySse ? URI.create(uri.toString().substring(4))
                : modern ? URI.create(uri.toString().substring(7)) : uri;
    }

    /** POSTs sent again after a stale keep-alive connection, in this JVM so far. */
    static long staleRetries() {
        return STALE_RETRIES.get();
    }

    static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    String sessionId() {
        return sessionId;
    }

    /** The revision the requests go out with: the negotiated one, or 2026-07-28 for a {@code modern:} URL. */
    String protocolVersion() {
        return modern ? MODERN_VERSION : protocolVersion;
    }

    boolean isModern() {
        return modern;
    }

    /** The plain http:// address (without the {@code modern:} or {@code sse:} selector). */
    URI uri() {
        return uri;
    }

    /** Runs the handshake; returns the initialize result. */
    JsonNode initialize() throws IOException, InterruptedException {
        if (modern) { // stateless: nothing to set up; discover says the server serves the revision
            return request("server/discover", Json.object());
        }
        if (legacySse) {
            openSseStream();
        }
        ObjectNode params = Json.object().put("protocolVersion", EchoServer.PROTOCOL_VERSION);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "bench-loadgen").put("version", "1.0.0");
        JsonNode result = request("initialize", params);
        protocolVersion = result.path("protocolVersion").asText(EchoServer.PROTOCOL_VERSION);
        HttpResponse<String> answer = post(JsonRpc.notification("notifications/initialized", null));
        if (answer.statusCode() / 100 != 2) {
            throw new IOException("notifications/initialized: HTTP " + answer.statusCode() + " " + answer.body());
        }
        return result;
    }

    /** Sends a request and returns its {@code result}; an error answer or a bad reply throws. */
    JsonNode request(String method, JsonNode params) throws IOException, InterruptedException {
        long id = nextId.getAndIncrement();
        if (modern) {
            ObjectNode withMeta = params instanceof ObjectNode object ? object.deepCopy() : Json.object();
            withMeta.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", MODERN_VERSION)
                    .putObject("io.modelcontextprotocol/clientCapabilities");
            params = withMeta;
        }
        ObjectNode message = JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(id), method, params);
        if (legacySse) {
            return legacyRequest(id, method, message);
        }
        HttpResponse<String> answer = post(message);
        if (answer.statusCode() != 200) {
            throw new IOException(method + ": HTTP " + answer.statusCode() + " " + abbreviate(answer.body()));
        }
        if (sessionId == null) {
            sessionId = answer.headers().firstValue("Mcp-Session-Id").orElse(null);
        }
        String type = answer.headers().firstValue("Content-Type").orElse("");
        JsonNode response = type.startsWith("text/event-stream")
                ? fromEventStream(answer.body(), id) : Json.parse(answer.body());
        if (response == null || response.path("id").asLong(-1) != id) {
            throw new IOException(method + ": no answer with id " + id + " in " + abbreviate(answer.body()));
        }
        if (response.has("error")) {
            throw new IOException(method + ": error " + response.get("error"));
        }
        return response.path("result");
    }

    /** Calls tools/call and checks that the text content is exactly what was sent. */
    void callEcho(String tool, String text) throws IOException, InterruptedException {
        ObjectNode params = Json.object().put("name", tool);
        params.putObject("arguments").put("text", text);
        JsonNode result = request("tools/call", params);
        String got = result.path("content").path(0).path("text").asText(null);
        if (result.path("isError").asBoolean(false) || !text.equals(got)) {
            throw new IOException("tools/call " + tool + ": wrong answer " + abbreviate(result.toString()));
        }
    }

    private JsonNode legacyRequest(long id, String method, ObjectNode message)
            throws IOException, InterruptedException {
        var answer = new java.util.concurrent.CompletableFuture<JsonNode>();
        waiting.put(id, answer);
        try {
            HttpResponse<String> posted = post(message);
            if (posted.statusCode() / 100 != 2) {
                throw new IOException(method + ": HTTP " + posted.statusCode() + " " + abbreviate(posted.body()));
            }
            JsonNode response = answer.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            if (response.has("error")) {
                throw new IOException(method + ": error " + response.get("error"));
            }
            return response.path("result");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(method + ": no answer on the SSE stream: " + e, e);
        } finally {
            waiting.remove(id);
        }
    }

    /** Opens the GET stream, reads it on a virtual thread, and waits for the {@code endpoint} event. */
    private void openSseStream() throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
        if (stream.statusCode() != 200) {
            throw new IOException("SSE GET " + uri + ": HTTP " + stream.statusCode());
        }
        sseLines = stream.body();
        var endpoint = new java.util.concurrent.CompletableFuture<URI>();
        Thread.ofVirtual().name("sse-" + uri.getPort()).start(() -> {
            StringBuilder data = new StringBuilder();
            String[] event = {"message"};
            try {
                sseLines.forEach(line -> {
                    if (line.startsWith("event:")) {
                        event[0] = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).trim());
                    } else if (line.isEmpty() && !data.isEmpty()) {
                        if (event[0].equals("endpoint")) {
                            endpoint.complete(uri.resolve(data.toString()));
                        } else {
                            JsonNode message = Json.parse(data.toString());
                            var answer = waiting.get(message.path("id").asLong(-1));
                            if (answer != null && (message.has("result") || message.has("error"))) {
                                answer.complete(message);
                            }
                        }
                        data.setLength(0);
                        event[0] = "message";
                    }
                });
            } catch (RuntimeException e) {
                endpoint.completeExceptionally(e);
            }
            IOException closed = new IOException("SSE stream closed");
            endpoint.completeExceptionally(closed);
            waiting.values().forEach(w -> w.completeExceptionally(closed));
        });
        try {
            postEndpoint = endpoint.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("no endpoint event on " + uri + ": " + e, e);
        }
    }

    private HttpResponse<String> post(ObjectNode message) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(legacySse ? postEndpoint : uri).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(message)));
        if (sessionId != null) {
            request.header("Mcp-Session-Id", sessionId);
        }
        if (modern) {
            request.header("MCP-Protocol-Version", MODERN_VERSION).header("Mcp-Method", message.path("method").asText());
            JsonNode name = message.path("params").get("name");
            if (name != null && name.isTextual()) {
                request.header("Mcp-Name", name.asText()); // bench tool names are plain ASCII
            }
        } else if (protocolVersion != null) {
            request.header("MCP-Protocol-Version", protocolVersion);
        }
        HttpRequest built = request.build();
        try {
            return http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (!isStaleConnection(e)) {
                throw e;
            }
            STALE_RETRIES.incrementAndGet();
            return http.send(built, HttpResponse.BodyHandlers.ofString());
        }
    }

    /**
     * The JDK client's words for "the pooled connection was closed by the server before it wrote a byte of
     * the answer": the server closed an idle keep-alive connection as we reused it. Any other failure, and
     * this one a second time, is real.
     */
    private static boolean isStaleConnection(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("header parser received no bytes")) {
                return true;
            }
        }
        return false;
    }

    /** The JSON-RPC response with the given id among the stream's {@code data:} events (multi-line aware). */
    private static JsonNode fromEventStream(String body, long id) {
        StringBuilder data = new StringBuilder();
        for (String line : (body + "\n\n").split("\r?\n", -1)) {
            if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5));
            } else if (line.isEmpty() && !data.isEmpty()) {
                JsonNode event = Json.parse(data.toString());
                data.setLength(0);
                if (event.has("id") && event.path("id").asLong(-1) == id
                        && (event.has("result") || event.has("error"))) {
                    return event;
                }
            }
        }
        return null;
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    /** Ends the session (DELETE); failures are ignored: the server may not support it. */
    @Override
    public void close() {
        if (sseLines != null) {
            sseLines.close();
        }
        if (sessionId == null) {
            return;
        }
        try {
            http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).DELETE()
                    .header("Mcp-Session-Id", sessionId).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            // not every server supports DELETE; the session will expire
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
