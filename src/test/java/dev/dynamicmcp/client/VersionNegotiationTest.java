package dev.dynamicmcp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Version negotiation over HTTP against scripted servers (the JDK's HTTP server): what each answer to
 * {@code server/discover} makes the client do, and what it sends.
 */
class VersionNegotiationTest {
    /** One request as the server saw it. */
    record Seen(String method, String versionHeader, String mcpMethod, String sessionId, ObjectNode body) {
    }

    /** What the scripted server answers: HTTP status and body for the n-th request (0-based). */
    record Answer(int status, String body) {
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    HttpServer server;

    URI serve(Function<Seen, Answer> script) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/mcp", exchange -> handle(exchange, script));
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
    }

    private void handle(HttpExchange exchange, Function<Seen, Answer> script) throws IOException {
        String text = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        ObjectNode body = text.isBlank() ? Json.object() : (ObjectNode) Json.parse(text);
        Seen request = new Seen(body.path("method").asText(null),
                exchange.getRequestHeaders().getFirst("MCP-Protocol-Version"),
                exchange.getRequestHeaders().getFirst("Mcp-Method"),
                exchange.getRequestHeaders().getFirst("Mcp-Session-Id"), body);
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(405, -1);
            exchange.close();
            return;
        }
        seen.add(request);
        Answer answer = script.apply(request);
        byte[] bytes = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        if (McpMethods.INITIALIZE.equals(request.method())) {
            exchange.getResponseHeaders().add("Mcp-Session-Id", "s-1");
        }
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    static String result(JsonNode id, String result) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
    }

    static String error(JsonNode id, int code, String data) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":" + code + ",\"message\":\"no\""
                + (data == null ? "" : ",\"data\":" + data) + "}}";
    }

    static final String DISCOVER = "{\"resultType\":\"complete\",\"supportedVersions\":[\"2026-07-28\"],"
            + "\"capabilities\":{\"tools\":{}},\"ttlMs\":0,\"cacheScope\":\"private\","
            + "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"scripted\",\"version\":\"1\"}}}";

    McpClient connect(URI url) throws IOException {
        McpClient client = new McpClient("scripted", new StreamableHttpTransport("scripted", url, Map.of(), null,
                Duration.ofSeconds(5)), ModernUpstreamTest.OPTIONS, null, Handshake.auto());
        client.connect(Duration.ofSeconds(10));
        return client;
    }

    @Test
    void aVersionRefusedWithMinus32022IsAskedAgainInOneTheServerSupports() throws Exception {
        boolean[] refused = {false};
        URI url = serve(request -> {
            if (!refused[0]) {
                refused[0] = true;
                return new Answer(400, error(request.body().get("id"), -32022,
                        "{\"supported\":[\"2026-07-28\"],\"requested\":\"2026-07-28\"}"));
            }
            return switch (request.method()) {
                case McpMethods.SERVER_DISCOVER -> new Answer(200, result(request.body().get("id"), DISCOVER));
                case McpMethods.TOOLS_LIST -> new Answer(200, result(request.body().get("id"), "{\"tools\":[]}"));
                default -> new Answer(404, error(request.body().get("id"), -32601, null));
            };
        });
        try (McpClient client = connect(url)) {
            assertThat(client.revision()).isEqualTo("2026-07-28");
            assertThat(client.info().serverInfo().path("name").asText()).isEqualTo("scripted");
            assertThat(client.listTools()).isEmpty();
        }
        assertThat(seen).extracting(Seen::method).doesNotContain(McpMethods.INITIALIZE)
                .startsWith(McpMethods.SERVER_DISCOVER, McpMethods.SERVER_DISCOVER, McpMethods.TOOLS_LIST);
        for (Seen request : seen) { // every request says the same version in header and _meta, no session
            assertThat(request.versionHeader()).isEqualTo("2026-07-28");
            assertThat(request.mcpMethod()).isEqualTo(request.method());
            assertThat(request.sessionId()).isNull();
            assertThat(McpMeta.claimedVersion(request.body())).isEqualTo("2026-07-28");
            assertThat(request.body().path("params").path("_meta").path(McpMeta.CLIENT_CAPABILITIES).isObject())
                    .isTrue();
            assertThat(request.body().path("params").path("_meta").path(McpMeta.CLIENT_INFO).path("name").asText())
                    .isEqualTo("modern-test");
        }
    }

    @Test
    void aServerSupportingNoVersionWeSpeakFailsClearlyWithoutInitialize() throws Exception {
        URI url = serve(request -> new Answer(400, error(request.body().get("id"), -32022,
                "{\"supported\":[\"2099-01-01\"],\"requested\":\"2026-07-28\"}")));
        assertThatThrownBy(() -> connect(url)).hasMessageContaining("2099-01-01");
        assertThat(seen).extracting(Seen::method).containsOnly(McpMethods.SERVER_DISCOVER);
    }

    @Test
    void aPlain400ToDiscoverMeansAnOlderServerAndInitializeFollows() throws Exception {
        URI url = serve(request -> switch (String.valueOf(request.method())) {
            case McpMethods.SERVER_DISCOVER -> new Answer(400,
                    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"No session\"}}");
            case McpMethods.INITIALIZE -> new Answer(200, result(request.body().get("id"),
                    "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"serverInfo\":{\"name\":\"old\"}}"));
            default -> new Answer(202, null);
        });
        try (McpClient client = connect(url)) {
            assertThat(client.revision()).isEqualTo("2025-11-25");
            assertThat(client.isModern()).isFalse();
        }
        assertThat(seen).extracting(Seen::method).startsWith(McpMethods.SERVER_DISCOVER, McpMethods.INITIALIZE,
                McpMethods.INITIALIZED);
        assertThat(seen.get(1).versionHeader()).isNull(); // initialize carries no modern header
        assertThat(seen.get(1).mcpMethod()).isNull();
    }
}
