package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMethods;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamableHttpHandlerTest {
    private final EchoListener listener = new EchoListener();
    private HttpServerHost host;
    private McpHttpTestClient client;

    @BeforeEach
    void start() throws Exception {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(), "__", null,
                4096, 8, ProxySettings.DEFAULTS.defaults());
        host = new HttpServerHost(settings, listener, HostOptions.DEFAULTS.withTransport(
                HttpTransportOptions.DEFAULTS.withKeepAliveInterval(Duration.ofMillis(500))));
        host.start();
        client = new McpHttpTestClient(host.uri().resolve("/mcp"));
    }

    @AfterEach
    void stop() {
        host.stop();
    }

    @Test
    void initializeCreatesASessionWithARandomIdAndAnswersWithJson() throws Exception {
        HttpResponse<String> response = client.post(null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        String id = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(McpHttpTestClient.json(response).path("result").path("protocolVersion").asText())
                .isEqualTo("2025-06-18");
        assertThat(listener.open).containsKey(id);
        assertThat(client.initialize()).isNotEqualTo(id);
    }

    @Test
    void requestsWithoutSessionAre400AndWithUnknownSession404() throws Exception {
        String echo = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{}}";

        HttpResponse<String> missing = client.post(null, echo);
        HttpResponse<String> unknown = client.post("no-such-session", echo);

        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(McpHttpTestClient.json(missing).path("error").path("message").asText())
                .contains("Mcp-Session-Id");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(McpHttpTestClient.json(unknown).path("error").path("code").asInt())
                .isEqualTo(JsonRpc.INVALID_REQUEST);
    }

    @Test
    void notificationsAreAcceptedWith202AndNoBody() throws Exception {
        String session = client.initialize();

        HttpResponse<String> response = client.post(session,
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).isEmpty();
        await().until(() -> listener.notifications.stream()
                .anyMatch(n -> McpMethods.ROOTS_LIST_CHANGED.equals(JsonRpc.method(n))));
    }

    @Test
    void aRequestAnsweredAtOnceGetsAJsonResponse() throws Exception {
        String session = client.initialize();

        HttpResponse<String> response = client.post(session,
                "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"echo\",\"params\":{\"x\":42}}",
                "Accept", McpHttpTestClient.BOTH, "MCP-Protocol-Version", "2025-06-18");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        JsonNode body = McpHttpTestClient.json(response);
        assertThat(body.path("id").asText()).isEqualTo("a");
        assertThat(body.path("result").path("x").asInt()).isEqualTo(42);
    }

    @Test
    void aBatchOfRequestsGetsAnArrayOfResponses() throws Exception {
        String session = client.initialize();

        HttpResponse<String> response = client.post(session, """
                [{"jsonrpc":"2.0","id":1,"method":"echo","params":{"n":1}},
                 {"jsonrpc":"2.0","id":2,"method":"echo","params":{"n":2}}]""");

        JsonNode body = McpHttpTestClient.json(response);
        assertThat(body.isArray()).isTrue();
        assertThat(body).extracting(r -> r.path("result").path("n").asInt()).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void aRelatedMessageBeforeTheAnswerSwitchesToSseWithProgressThenResultThenEnd() throws Exception {
        String session = client.initialize();

        try (var stream = client.postStreaming(session,
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"slow\",\"params\":{}}")) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.response.headers().firstValue("Content-Type")).get().asString()
                    .startsWith("text/event-stream");
            var progress = stream.next();
            var result = stream.next();

            assertThat(JsonRpc.method(progress.data())).isEqualTo(McpMethods.PROGRESS);
            assertThat(result.data().path("id").asInt()).isEqualTo(7);
            assertThat(result.data().path("result").path("done").asBoolean()).isTrue();
            assertThat(progress.id()).isNotBlank().isNotEqualTo(result.id());
            await().until(() -> stream.ended);
        }
    }

    @Test
    void theGetStreamReceivesUnrelatedNotifications() throws Exception {
        String session = client.initialize();
        try (var stream = client.get(session)) {
            assertThat(stream.status()).isEqualTo(200);

            listener.notifyUnrelated(session, McpMethods.TOOLS_LIST_CHANGED);

            assertThat(JsonRpc.method(stream.next().data())).isEqualTo(McpMethods.TOOLS_LIST_CHANGED);
        }
    }

    @Test
    void messagesSentWithoutAGetStreamAreBufferedAndFlushedWhenOneOpens() throws Exception {
        String session = client.initialize();
        listener.notifyUnrelated(session, McpMethods.TOOLS_LIST_CHANGED);
        listener.notifyUnrelated(session, McpMethods.PROMPTS_LIST_CHANGED);

        try (var stream = client.get(session)) {
            assertThat(JsonRpc.method(stream.next().data())).isEqualTo(McpMethods.TOOLS_LIST_CHANGED);
            assertThat(JsonRpc.method(stream.next().data())).isEqualTo(McpMethods.PROMPTS_LIST_CHANGED);
        }
    }

    @Test
    void aGetWithLastEventIdReplaysWhatCameAfterIt() throws Exception {
        String session = client.initialize();
        String firstId;
        try (var stream = client.get(session)) {
            listener.notifyUnrelated(session, McpMethods.TOOLS_LIST_CHANGED);
            firstId = stream.next().id();
            listener.notifyUnrelated(session, McpMethods.PROMPTS_LIST_CHANGED);
            stream.next();
        }

        try (var resumed = client.get(session, "Accept", "text/event-stream", "Last-Event-ID", firstId)) {
            var replayed = resumed.next();
            assertThat(JsonRpc.method(replayed.data())).isEqualTo(McpMethods.PROMPTS_LIST_CHANGED);
        }
    }

    @Test
    void aSecondGetStreamReplacesTheFirst() throws Exception {
        String session = client.initialize();
        try (var first = client.get(session); var second = client.get(session)) {
            await().until(() -> first.ended);

            listener.notifyUnrelated(session, McpMethods.TOOLS_LIST_CHANGED);

            assertThat(JsonRpc.method(second.next().data())).isEqualTo(McpMethods.TOOLS_LIST_CHANGED);
            assertThat(first.events).isEmpty();
        }
    }

    @Test
    void getNeedsAValidSession() throws Exception {
        try (var missing = client.get(null); var unknown = client.get("nope")) {
            assertThat(missing.status()).isEqualTo(400);
            assertThat(unknown.status()).isEqualTo(404);
        }
    }

    @Test
    void deleteClosesTheSession() throws Exception {
        String session = client.initialize();

        HttpResponse<String> deleted = client.http.send(client.request(session).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(listener.closed).contains(session);
        assertThat(client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}").statusCode())
                .isEqualTo(404);
        assertThat(client.http.send(client.request(session).DELETE().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);
    }

    @Test
    void badJsonIs400WithParseErrorNamingTheProblem() throws Exception {
        HttpResponse<String> response = client.post(null, "{\"jsonrpc\":\"2.0\", nope");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = McpHttpTestClient.json(response).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(JsonRpc.PARSE_ERROR);
        assertThat(error.path("message").asText()).contains("not valid JSON");
    }

    @Test
    void aWrongShapeIs400WithInvalidRequest() throws Exception {
        HttpResponse<String> response = client.post(null, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = McpHttpTestClient.json(response).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(JsonRpc.INVALID_REQUEST);
        assertThat(error.path("message").asText()).contains("\"jsonrpc\" must be \"2.0\"");
    }

    @Test
    void anAcceptHeaderWithoutEventStreamIs406() throws Exception {
        HttpResponse<String> response = client.post(null,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", "Accept", "application/json");

        assertThat(response.statusCode()).isEqualTo(406);
        assertThat(listener.open).isEmpty();
    }

    @Test
    void anUnsupportedProtocolVersionHeaderIs400() throws Exception {
        String session = client.initialize();

        HttpResponse<String> response = client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}",
                "Accept", McpHttpTestClient.BOTH, "MCP-Protocol-Version", "1999-01-01");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(McpHttpTestClient.json(response).path("error").path("message").asText())
                .contains("unsupported MCP-Protocol-Version 1999-01-01").contains("negotiated 2025-06-18");
    }

    @Test
    void aClientThatDisconnectsMidRequestCancelsTheHandlersFuture() throws Exception {
        String session = client.initialize();
        String body = "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"hang\"}";
        URI uri = host.uri();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " + McpHttpTestClient.BOTH
                    + "\r\nContent-Type: application/json\r\nMcp-Session-Id: " + session
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            await().until(() -> listener.hanging.size() == 1);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.hanging.get(0).isCancelled());
        // the session is still usable and the request id is free again
        HttpResponse<String> again = client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"echo\"}");
        assertThat(again.statusCode()).isEqualTo(200);
    }

    @Test
    void aClientCancelEndsTheWaitingPostAndCancelsTheHandlersFuture() throws Exception {
        String session = client.initialize();
        var waiting = client.http.sendAsync(client.request(session).header("Accept", McpHttpTestClient.BOTH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"hang\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        await().until(() -> listener.hanging.size() == 1);

        HttpResponse<String> cancel = client.post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                + "\"params\":{\"requestId\":5,\"reason\":\"user pressed stop\"}}");

        assertThat(cancel.statusCode()).isEqualTo(202);
        await().until(() -> listener.hanging.get(0).isCancelled());
        HttpResponse<String> ended = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(ended.statusCode()).isEqualTo(200);
        assertThat(ended.body()).doesNotContain("\"id\":5"); // no response for a cancelled request
    }

    @Test
    void manyConcurrentSessionsEachGetOnlyTheirOwnAnswers() throws Exception {
        int sessions = 200;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                int n = i;
                results.add(pool.submit((Callable<Boolean>) () -> {
                    String session = client.initialize();
                    for (int call = 0; call < 3; call++) {
                        JsonNode answer = McpHttpTestClient.json(client.post(session,
                                "{\"jsonrpc\":\"2.0\",\"id\":" + call + ",\"method\":\"echo\",\"params\":{\"who\":\""
                                        + session + "\",\"n\":" + n + "}}"));
                        if (!session.equals(answer.path("result").path("who").asText())
                                || answer.path("result").path("n").asInt() != n
                                || answer.path("id").asInt() != call) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        }
        assertThat(listener.open).hasSize(sessions);
    }

    @Test
    void stoppingTheHostClosesEverySession() throws Exception {
        String a = client.initialize();
        String b = client.initialize();

        host.stop();

        assertThat(listener.closed).contains(a, b);
    }
}
