package dev.dynamicmcp.transport;

import static dev.dynamicmcp.transport.RawMessages.echo;
import static dev.dynamicmcp.transport.RawMessages.initialize;
import static dev.dynamicmcp.transport.RawMessages.initialized;
import static dev.dynamicmcp.transport.RawMessages.notification;
import static dev.dynamicmcp.transport.RawMessages.request;
import static dev.dynamicmcp.transport.RawMessages.toolsList;
import static dev.dynamicmcp.transport.StubHttpServer.event;
import static dev.dynamicmcp.transport.StubHttpServer.idOf;
import static dev.dynamicmcp.transport.StubHttpServer.json;
import static dev.dynamicmcp.transport.StubHttpServer.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.testsupport.Peers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamableHttpTransportTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final String SESSION = "session-1";

    /** The test's own client, to check what the server does apart from the transport. */
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final org.eclipse.jetty.client.HttpClient upstreamClient = UpstreamHttpClient.start();
    private final RecordingListener listener = new RecordingListener();
    private StubHttpServer stub;
    private StreamableHttpTransport transport;

    @AfterEach
    void tearDown() {
        if (transport != null) {
            transport.close();
        }
        if (stub != null) {
            stub.close();
        }
        client.shutdownNow();
        UpstreamHttpClient.stop(upstreamClient);
    }

    private StreamableHttpTransport open(URI url, Map<String, String> headers) {
        transport = new StreamableHttpTransport("remote", url, headers, upstreamClient, CONNECT_TIMEOUT);
        transport.start(listener);
        return transport;
    }

    /** A stub that gives a session on initialize and answers every request {"result":{}} as JSON. */
    private StubHttpServer sessionStub() throws IOException {
        return new StubHttpServer().on("POST", (exchange, request) -> {
            if (request.body().contains("\"initialize\"")) {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body())
                        + ",\"result\":{\"protocolVersion\":\"2025-06-18\"}}", Map.of("Mcp-Session-Id", SESSION));
            } else if (request.body().contains("\"id\"")) {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}", Map.of());
            } else {
                exchange.sendResponseHeaders(202, -1);
            }
        });
    }

    @Test
    void talksToServerEverythingAndEndsTheSessionOnClose() throws Exception {
        try (Peers.NodeServer everything = Peers.startEverythingHttp()) {
            open(everything.url(), Map.of());

            transport.send(initialize(1));
            String version = listener.awaitResponse(1).path("result").path("protocolVersion").asText();
            String session = transport.sessionId();
            assertThat(session).isNotBlank();
            transport.send(initialized());
            transport.onInitialized(version);
            // server-everything refuses (400) any request without a valid session id
            transport.send(toolsList(2));
            JsonNode tools = listener.awaitResponse(2).path("result").path("tools");
            assertThat(tools.findValuesAsText("name")).contains("echo");
            transport.send(echo(3, "over streamable http"));
            assertThat(listener.awaitResponse(3).path("result").path("content").get(0).path("text").asText())
                    .isEqualTo("Echo: over streamable http");

            transport.close();

            assertThat(listener.closeCount()).isEqualTo(1);
            assertThat(listener.closedOnRequest()).isTrue();
            // the DELETE ended the session on the server: the old id is refused now
            HttpResponse<String> reuse = client.send(HttpRequest.newBuilder(everything.url())
                    .POST(HttpRequest.BodyPublishers.ofString(toolsList(4).toString()))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("Mcp-Session-Id", session).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(reuse.statusCode()).isGreaterThanOrEqualTo(400);
            assertThatThrownBy(() -> transport.send(toolsList(5))).isInstanceOf(IOException.class);
        }
    }

    @Test
    void sendsTheNegotiatedHeadersOnEveryRequestAfterInitialize() throws Exception {
        stub = sessionStub();
        open(stub.url("/mcp"), Map.of("Authorization", "Bearer secret-token"));

        transport.send(initialize(1));
        listener.awaitResponse(1);
        transport.send(initialized());
        transport.onInitialized("2025-06-18");
        transport.send(toolsList(2));
        listener.awaitResponse(2);

        var posts = stub.requests("POST");
        assertThat(posts).allSatisfy(r -> {
            assertThat(r.header("Accept")).contains("application/json").contains("text/event-stream");
            assertThat(r.header("Content-Type")).startsWith("application/json");
            assertThat(r.header("Authorization")).isEqualTo("Bearer secret-token");
        });
        assertThat(posts.get(0).header("Mcp-Session-Id")).isNull();
        assertThat(posts.get(0).header("MCP-Protocol-Version")).isNull();
        assertThat(posts.subList(1, posts.size())).allSatisfy(r -> {
            assertThat(r.header("Mcp-Session-Id")).isEqualTo(SESSION);
        });
        assertThat(posts.get(posts.size() - 1).header("MCP-Protocol-Version")).isEqualTo("2025-06-18");
    }

    @Test
    void aForgottenSessionRaisesSessionExpiredAndTheNextInitializeStartsFresh() throws Exception {
        AtomicInteger initializes = new AtomicInteger();
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            if (request.body().contains("\"initialize\"")) {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}",
                        Map.of("Mcp-Session-Id", "s" + initializes.incrementAndGet()));
            } else if ("s1".equals(request.header("Mcp-Session-Id"))) {
                json(exchange, 404, "{\"error\":\"unknown session\"}", Map.of()); // the server restarted
            } else {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}", Map.of());
            }
        });
        open(stub.url("/mcp"), Map.of());
        transport.send(initialize(1));
        assertThat(transport.sessionId()).isEqualTo("s1");

        assertThatThrownBy(() -> transport.send(toolsList(2)))
                .isInstanceOfSatisfying(SessionExpiredException.class, e ->
                        assertThat(e.detail()).as("the session id is a credential: detail only").contains("s1"))
                .hasMessage("server 'remote': forgot our session (HTTP 404)");
        assertThat(transport.sessionId()).isNull();

        transport.send(initialize(3));
        assertThat(stub.requests("POST").get(2).header("Mcp-Session-Id")).isNull();
        assertThat(transport.sessionId()).isEqualTo("s2");
        transport.send(toolsList(4));
        assertThat(listener.awaitResponse(4).has("result")).isTrue();
    }

    /**
     * Issue 12: sending a request only hands it to the HTTP client (no thread waits for the headers, which a
     * JSON-mode server sends with the result); the answer is delivered from the client's own thread.
     */
    @Test
    void aRequestIsHandedToTheClientWithoutWaitingAndItsJsonAnswerComesOnTheClientsThread() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            if (request.body().contains("tools/list")) {
                try {
                    answer.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}", Map.of());
        });
        open(stub.url("/mcp"), Map.of());

        CompletableFuture<Void> sent = transport.sendAsync(toolsList(1));

        await().until(() -> stub.requests("POST").size() == 1);
        assertThat(sent).as("no headers yet: the stage is open, the caller is not").isNotDone();
        assertThat(listener.messages).isEmpty();
        answer.countDown();
        assertThat(listener.awaitResponse(1).has("result")).isTrue();
        assertThat(sent).succeedsWithin(Duration.ofSeconds(5));
        assertThat(listener.deliveredOn).singleElement()
                .satisfies(thread -> assertThat(thread.getName()).startsWith(UpstreamHttpClient.THREADS));
    }

    /** Issue 12: a 404 comes on the HTTP client's thread and fails the stage sendAsync returned, as send throws. */
    @Test
    void aForgottenSessionFailsTheAsynchronousSendWithSessionExpired() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            if (request.body().contains("\"initialize\"")) {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}",
                        Map.of("Mcp-Session-Id", "s1"));
            } else {
                json(exchange, 404, "{\"error\":\"unknown session\"}", Map.of());
            }
        });
        open(stub.url("/mcp"), Map.of());
        transport.send(initialize(1));

        assertThat(transport.sendAsync(toolsList(2))).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(SessionExpiredException.class)
                .withMessage("server 'remote': forgot our session (HTTP 404)");
        assertThat(transport.sessionId()).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 405})
    void aNonStreamableServerAnswersInitializeWithAStatusAFactoryCanFallBackOn(int status) throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> json(exchange, status, "{}", Map.of()));
        open(stub.url("/sse"), Map.of());

        assertThatThrownBy(() -> transport.send(initialize(1)))
                .isInstanceOfSatisfying(HttpStatusException.class, e -> assertThat(e.status()).isEqualTo(status))
                .isNotInstanceOf(SessionExpiredException.class);
    }

    @Test
    void aServerErrorIsThrownWithStatusAndBodySnippet() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) ->
                json(exchange, 503, "{\"message\":\"upstream database is down\"}", Map.of()));
        open(stub.url("/mcp"), Map.of());

        assertThatThrownBy(() -> transport.send(toolsList(1)))
                .isInstanceOfSatisfying(HttpStatusException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.summary()).isEqualTo("answered HTTP 503");
                    assertThat(e.detail()).contains("tools/list").contains("upstream database is down");
                })
                .hasMessage("server 'remote': answered HTTP 503")
                .message().doesNotContain("database");
    }

    @Test
    void anSseResponseIsDeliveredEventByEventAndSendDoesNotWaitForItsEnd() throws Exception {
        CountDownLatch finish = new CountDownLatch(1);
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, ": a comment\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\n"
                    + "data: \"params\":{\"progress\":1}}");
            awaitQuietly(finish);
            event(out, "id: 7\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"ok\":true}}");
        });
        open(stub.url("/mcp"), Map.of());

        transport.send(request(1, "tools/call", null)); // returns while the stream is still open
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.messages.size() == 1);
        assertThat(listener.messages.get(0).path("params").path("progress").asInt()).isEqualTo(1);
        finish.countDown();

        assertThat(listener.awaitResponse(1).path("result").path("ok").asBoolean()).isTrue();
        assertThat(listener.badInputs).isEmpty();
    }

    @Test
    void anSseAnswerOverTheStringLimitBecomesAnErrorAnswerUnderItsId() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, "id: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"content\":"
                    + "[{\"type\":\"text\",\"text\":\"" + "x".repeat(dev.dynamicmcp.protocol.Json.MAX_STRING_CHARS + 1)
                    + "\"}]}}");
            out.close();
        });
        open(stub.url("/mcp"), Map.of());

        transport.send(request(4, "tools/call", null));

        JsonNode answer = listener.awaitResponse(4);
        assertThat(answer.path("error").path("message").asText()).isEqualTo("an answer over the 20 MB JSON string limit");
        assertThat(answer.path("error").path("data").path("transport").isMissingNode())
                .as("an answer, not a lost connection").isTrue();
        assertThat(listener.messages).hasSize(1);
        assertThat(listener.badInputs).singleElement().asString().contains("over the 20 MB JSON string limit");
    }

    @Test
    void aJsonBatchResponseDeliversEveryMessage() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> json(exchange, 200,
                "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}},"
                        + "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}]", Map.of()));
        open(stub.url("/mcp"), Map.of());

        transport.send(request(1, "ping", null));

        listener.awaitResponse(1);
        assertThat(listener.messages).extracting(m -> m.path("method").asText("response"))
                .containsExactly("notifications/message", "response");
    }

    /** The message's name is made only when a failure needs it: it must still name the request. */
    @Test
    void aJsonAnswerThatIsNoJsonIsReportedUnderTheRequestsNameAndFailsIt() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> json(exchange, 200, "{\"jsonrpc\":", Map.of()));
        open(stub.url("/mcp"), Map.of());

        transport.send(request(3, "tools/call", null));

        ObjectNode answer = listener.awaitResponse(3);
        assertThat(answer.path("error").path("message").asText())
                .isEqualTo("the response body to tools/call (id 3) did not answer it");
        assertThat(listener.badInputs).singleElement().asString()
                .startsWith("the response to tools/call (id 3) carried ");
    }

    /** A JSON body is parsed from its bytes: bytes that are not UTF-8 fail the call, never pass on as U+FFFD. */
    @Test
    void aJsonAnswerThatIsNotUtf8FailsTheRequestNamingTheBytes() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            byte[] head = ("{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"text\":\"")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, head.length + 2 + tail.length);
            OutputStream out = exchange.getResponseBody();
            out.write(head);
            out.write(new byte[] {(byte) 0xC3, (byte) 0x28}); // a lead byte followed by no continuation byte
            out.write(tail);
            out.close();
        });
        open(stub.url("/mcp"), Map.of());

        transport.send(request(5, "tools/call", null));

        ObjectNode answer = listener.awaitResponse(5);
        assertThat(answer.path("error").path("message").asText())
                .isEqualTo("the response body to tools/call (id 5) did not answer it");
        assertThat(listener.badInputs).singleElement().asString()
                .startsWith("the response to tools/call (id 5) carried not valid JSON (Invalid UTF-8");
    }

    /** Text outside ASCII arrives as sent, also from a body that comes in many chunks. */
    @Test
    void aJsonAnswerInManyChunksKeepsItsMultiByteCharacters() throws Exception {
        String text = "grüße, 日本語, 🙂 ".repeat(20_000); // ~0.5 MB: many reads of the client's buffer
        stub = new StubHttpServer().on("POST", (exchange, request) -> json(exchange, 200,
                "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"text\":\"" + text + "\"}}",
                Map.of()));
        open(stub.url("/mcp"), Map.of());

        transport.send(request(6, "tools/call", null));

        assertThat(listener.awaitResponse(6).path("result").path("text").asText()).isEqualTo(text);
        assertThat(listener.badInputs).isEmpty();
    }

    /** An event's data is parsed from its bytes too: not UTF-8 is bad input naming them, and the call fails. */
    @Test
    void anSseAnswerThatIsNotUtf8FailsTheRequestNamingTheBytes() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            out.write(("data: {\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"text\":\"")
                    .getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {(byte) 0xC3, (byte) 0x28}); // a lead byte followed by no continuation byte
            out.write("\"}}\n\n".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        open(stub.url("/mcp"), Map.of());

        transport.send(request(7, "tools/call", null));

        JsonNode error = listener.awaitResponse(7).path("error");
        assertThat(error.path("message").asText()).contains("ended before the response");
        assertThat(listener.badInputs).singleElement().asString().contains("carried not valid JSON (Invalid UTF-8");
    }

    @Test
    void anSseAnswerInManyChunksKeepsItsMultiByteCharacters() throws Exception {
        String text = "grüße, 日本語, 🙂 ".repeat(20_000);
        stub = new StubHttpServer().on("POST", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, "id: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"text\":\""
                    + text + "\"}}");
            out.close();
        });
        open(stub.url("/mcp"), Map.of());

        transport.send(request(8, "tools/call", null));

        assertThat(listener.awaitResponse(8).path("result").path("text").asText()).isEqualTo(text);
        assertThat(listener.badInputs).isEmpty();
    }

    @Test
    void anSseResponseThatEndsEarlyIsResumedWithLastEventId() throws Exception {
        stub = sessionStub().on("POST", (exchange, request) -> {
            if (request.body().contains("\"initialize\"")) {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", Map.of("Mcp-Session-Id", SESSION));
                return;
            }
            OutputStream out = sse(exchange, Map.of());
            event(out, "id: p0\ndata:"); // a 2025-11-25 priming event: an id and empty data
            event(out, "id: p1\nretry: 20\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}");
            // the stream ends (a load balancer cut it) before the response
        }).on("GET", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, "id: p2\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"resumed\":true}}");
        });
        open(stub.url("/mcp"), Map.of());
        transport.send(initialize(1));

        transport.send(request(2, "tools/call", null));

        assertThat(listener.awaitResponse(2).path("result").path("resumed").asBoolean()).isTrue();
        var get = stub.requests("GET").get(0);
        assertThat(get.header("Last-Event-ID")).isEqualTo("p1");
        assertThat(get.header("Mcp-Session-Id")).isEqualTo(SESSION);
        assertThat(listener.badInputs).isEmpty();
    }

    @Test
    void anSseResponseThatEndsEarlyWithoutIdsFailsTheRequestInsteadOfLeavingItHanging() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> sse(exchange, Map.of()).close());
        open(stub.url("/mcp"), Map.of());

        transport.send(request(1, "tools/call", null));

        JsonNode error = listener.awaitResponse(1).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(ListenerGuard.TRANSPORT_ERROR_CODE);
        assertThat(error.path("message").asText()).contains("ended before the response");
        assertThat(error.path("data").path("transport").asBoolean()).isTrue();
    }

    @Test
    void theGetStreamReconnectsAfterTheServersRetryWithLastEventId() throws Exception {
        AtomicInteger gets = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        stub = sessionStub().on("GET", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            int n = gets.incrementAndGet();
            event(out, "retry: 50\nid: g" + n + "\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
            if (n >= 2) {
                awaitQuietly(release); // the second stream stays open
            }
        });
        open(stub.url("/mcp"), Map.of());
        transport.send(initialize(1));
        transport.onInitialized("2025-06-18");

        await().atMost(Duration.ofSeconds(5)).until(() -> stub.requests("GET").size() == 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.messages.stream()
                .filter(m -> m.path("method").asText().equals("notifications/tools/list_changed")).count() == 2);
        var getsSeen = stub.requests("GET");
        assertThat(getsSeen.get(0).header("Last-Event-ID")).isNull();
        assertThat(getsSeen.get(1).header("Last-Event-ID")).isEqualTo("g1");
        assertThat(getsSeen).allSatisfy(r -> {
            assertThat(r.header("Accept")).isEqualTo("text/event-stream");
            assertThat(r.header("Mcp-Session-Id")).isEqualTo(SESSION);
            assertThat(r.header("MCP-Protocol-Version")).isEqualTo("2025-06-18");
        });

        transport.close();
        release.countDown();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> stub.requests("GET").size() == 2); // no reconnect after close
    }

    @Test
    void aGetStreamSilentForLongerThanTheClientsIdleTimeoutStaysOpen() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        stub = sessionStub().on("GET", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, "id: s1\ndata: ");
            try {
                Thread.sleep(1_000); // five idle timeouts of the client below, without a byte
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            event(out, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
            awaitQuietly(release);
        });
        org.eclipse.jetty.client.HttpClient shortIdle = UpstreamHttpClient.start(Duration.ofMillis(200));
        try {
            transport = new StreamableHttpTransport("remote", stub.url("/mcp"), Map.of(), shortIdle, CONNECT_TIMEOUT);
            transport.start(listener);
            transport.send(initialize(1));
            transport.onInitialized("2025-06-18");

            await().atMost(Duration.ofSeconds(5)).until(() -> listener.messages.stream()
                    .anyMatch(m -> m.path("method").asText().equals("notifications/tools/list_changed")));
            assertThat(stub.requests("GET")).as("the stream was not broken and opened again").hasSize(1);
        } finally {
            release.countDown();
            transport.close();
            UpstreamHttpClient.stop(shortIdle);
        }
    }

    @Test
    void aServerWithoutGetStreamIsNotAskedAgain() throws Exception {
        stub = sessionStub(); // GET answers 405
        open(stub.url("/mcp"), Map.of());
        transport.send(initialize(1));
        transport.onInitialized("2025-06-18");

        await().atMost(Duration.ofSeconds(5)).until(() -> stub.requests("GET").size() == 1);
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3))
                .until(() -> stub.requests("GET").size() == 1);
        transport.send(toolsList(2));
        assertThat(listener.awaitResponse(2).has("result")).isTrue();
    }

    @Test
    void closeDeletesTheSessionAndReportsClosedOnce() throws Exception {
        stub = sessionStub().on("DELETE", (exchange, request) -> exchange.sendResponseHeaders(405, -1));
        open(stub.url("/mcp"), Map.of());
        transport.send(initialize(1));

        transport.close();
        transport.close();

        var deletes = stub.requests("DELETE");
        assertThat(deletes).hasSize(1);
        assertThat(deletes.get(0).header("Mcp-Session-Id")).isEqualTo(SESSION);
        assertThat(listener.closeCount()).isEqualTo(1);
        assertThat(listener.closedOnRequest()).isTrue();
    }

    @Test
    void notificationsAcceptedWith202DeliverNothing() throws Exception {
        stub = sessionStub();
        open(stub.url("/mcp"), Map.of());

        transport.send(notification("notifications/initialized"));

        assertThat(stub.requests("POST")).hasSize(1);
        assertThat(listener.messages).isEmpty();
        assertThat(listener.badInputs).isEmpty();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
