package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMethods;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SseServerHandlerTest {
    private final EchoListener listener = new EchoListener();
    private HttpServerHost host;
    private McpHttpTestClient client;

    @BeforeEach
    void start() throws Exception {
        host = new HttpServerHost(new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(), "__", null, 4096, 8,
                        ProxySettings.DEFAULTS.defaults()), listener, HostOptions.DEFAULTS.withTransport(
                // a vanished client is noticed at the next write: keep-alives make that prompt
                HttpTransportOptions.DEFAULTS.withKeepAliveInterval(Duration.ofMillis(200))));
        host.start();
        client = new McpHttpTestClient(host.uri().resolve("/sse"));
    }

    @AfterEach
    void stop() {
        host.stop();
    }

    private HttpResponse<String> postMessage(String endpoint, String body) throws Exception {
        return client.http.send(HttpRequest.newBuilder(host.uri().resolve(endpoint))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theStreamStartsWithTheEndpointAndCarriesResponsesAndServerMessages() throws Exception {
        try (var stream = client.get(null)) {
            var endpoint = stream.next();
            assertThat(endpoint.event()).isEqualTo("endpoint");
            String url = endpoint.data().path("endpoint").asText();
            assertThat(url).matches("/message\\?sessionId=[0-9a-f]{32}");
            String sessionId = url.substring(url.indexOf('=') + 1);

            HttpResponse<String> accepted = postMessage(url, """
                    {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05",
                     "capabilities":{},"clientInfo":{"name":"old","version":"1"}}}""");
            var initialized = stream.next();
            postMessage(url, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":{\"hi\":true}}");
            var echoed = stream.next();
            listener.notifyUnrelated(sessionId, McpMethods.TOOLS_LIST_CHANGED);
            var notification = stream.next();

            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(initialized.event()).isEqualTo("message");
            assertThat(initialized.data().path("result").path("protocolVersion").asText()).isEqualTo("2024-11-05");
            assertThat(echoed.data().path("id").asInt()).isEqualTo(2);
            assertThat(echoed.data().path("result").path("hi").asBoolean()).isTrue();
            assertThat(JsonRpc.method(notification.data())).isEqualTo(McpMethods.TOOLS_LIST_CHANGED);
        }
    }

    @Test
    void theSessionClosesWhenTheStreamGoesAway() throws Exception {
        String sessionId;
        try (var stream = client.get(null)) {
            String url = stream.next().data().path("endpoint").asText();
            sessionId = url.substring(url.indexOf('=') + 1);
            assertThat(listener.open).containsKey(sessionId);
        }

        await().until(() -> listener.closed.contains(sessionId));
        assertThat(postMessage("/message?sessionId=" + sessionId, "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}")
                .statusCode()).isEqualTo(404);
    }

    @Test
    void badMessagesAreRefusedWithAJsonRpcError() throws Exception {
        try (var stream = client.get(null)) {
            String url = stream.next().data().path("endpoint").asText();

            HttpResponse<String> garbage = postMessage(url, "not json");
            HttpResponse<String> shape = postMessage(url, "{\"id\":1}");

            assertThat(garbage.statusCode()).isEqualTo(400);
            assertThat(McpHttpTestClient.json(garbage).path("error").path("code").asInt())
                    .isEqualTo(JsonRpc.PARSE_ERROR);
            assertThat(shape.statusCode()).isEqualTo(400);
            assertThat(McpHttpTestClient.json(shape).path("error").path("code").asInt())
                    .isEqualTo(JsonRpc.INVALID_REQUEST);
        }
    }

    /** Regression (issue 9, item 12): a post into a session whose stream is gone was 202 for up to 15 s. */
    @Test
    void aPostIntoASessionWhoseStreamIsGoneIs404AtOnce() throws Exception {
        String url;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", host.port())) {
            socket.getOutputStream().write(("GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                // status line, headers, "event: endpoint"
            }
            url = line.substring("data: ".length()).trim();
        }
        long closedAt = System.nanoTime();

        HttpResponse<String> late = postMessage(url, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}");
        long tookMs = (System.nanoTime() - closedAt) / 1_000_000;

        assertThat(late.statusCode()).as(late.body()).isEqualTo(404);
        assertThat(late.body()).contains("open a new stream");
        assertThat(tookMs).isLessThan(2_000); // well under the 15 s a keep-alive would take to notice
        await().until(() -> listener.closed.size() == 1);
    }

    @Test
    void aPostWithoutJsonContentTypeIs415() throws Exception {
        try (var stream = client.get(null)) {
            String url = stream.next().data().path("endpoint").asText();

            HttpResponse<String> form = client.http.send(HttpRequest.newBuilder(host.uri().resolve(url))
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(form.statusCode()).isEqualTo(415);
            assertThat(form.body()).contains("text/plain").contains("application/json");
        }
    }
}
