package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServingLimits;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression (issue 9, items 1 and 2): what one client and all clients may hold is explicit; beyond it a clear
 * 429 (this client) or 503 (everyone) with a JSON-RPC error and Retry-After, and {@code /healthz} still answers.
 */
@Timeout(60)
class HttpLimitsTest {
    private final EchoListener listener = new EchoListener();
    private final List<RawStream> streams = new ArrayList<>();
    private HttpServerHost host;
    private McpHttpTestClient client;

    @AfterEach
    void stop() throws Exception {
        for (RawStream stream : streams) {
            stream.close();
        }
        listener.hanging.forEach(f -> f.complete(Json.object()));
        if (host != null) {
            host.stop();
        }
    }

    private void start(ServingLimits limits) throws Exception {
        start(limits, null);
    }

    private void start(ServingLimits limits, FakeScheduler scheduler) throws Exception {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(), "__", null,
                1 << 20, 8, ProxySettings.DEFAULTS.defaults()).withLimits(limits);
        host = new HttpServerHost(settings, listener, HostOptions.DEFAULTS, scheduler);
        host.addRoute("GET", "/healthz", (request, response, callback) -> {
            Content.Sink.write(response, true, "ok", callback);
            return true;
        });
        host.start();
        client = new McpHttpTestClient(host.uri().resolve("/mcp"));
    }

    private RawStream get(String from, String session) throws Exception {
        RawStream stream = RawStream.open(host.port(), from, "/mcp", "Mcp-Session-Id", session);
        streams.add(stream);
        return stream;
    }

    private int healthz() throws Exception {
        return client.http.send(HttpRequest.newBuilder(host.uri().resolve("/healthz"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void streamsBeyondTheClientsShareAre429AndOtherClientsStillGetTheirs() throws Exception {
        start(ServingLimits.DEFAULTS.withStreams(100, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(get(null, client.initialize()).status).isEqualTo(200);
        }

        RawStream refused = get(null, client.initialize());
        RawStream otherClient = get("127.0.0.2", client.initialize());

        assertThat(refused.status).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        JsonNode error = Json.parse(refused.body());
        assertThat(error.path("error").path("message").asText()).contains("127.0.0.1")
                .contains("proxy.limits.maxStreamsPerClient").contains("3");
        assertThat(otherClient.status).isEqualTo(200);
        assertThat(healthz()).isEqualTo(200);
        // closing one stream gives the client its share back
        streams.get(0).close();
        await().until(() -> host.openStreams() == 3);
        assertThat(get(null, client.initialize()).status).isEqualTo(200);
    }

    @Test
    void streamsBeyondTheGlobalLimitAre503() throws Exception {
        start(ServingLimits.DEFAULTS.withStreams(3, 100));
        for (int i = 0; i < 3; i++) {
            assertThat(get(i % 2 == 0 ? null : "127.0.0.2", client.initialize()).status).isEqualTo(200);
        }

        RawStream refused = get("127.0.0.3", client.initialize());

        assertThat(refused.status).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("5");
        JsonNode error = Json.parse(refused.body());
        assertThat(error.path("error").path("code").asInt()).isEqualTo(JsonRpc.SERVER_UNAVAILABLE);
        assertThat(error.path("error").path("message").asText()).contains("proxy.limits.maxOpenStreams");
        assertThat(healthz()).isEqualTo(200);
        // a new session and a request still work: only streams are at their limit
        String session = client.initialize();
        assertThat(client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void requestsBeyondTheSessionsShareAre429WithTheRequestId() throws Exception {
        start(ServingLimits.DEFAULTS.withRequests(100, 100, 2));
        String session = client.initialize();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int id = 1; id <= 2; id++) {
            waiting.add(client.http.sendAsync(client.request(session).header("Accept", McpHttpTestClient.BOTH)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":" + id
                            + ",\"method\":\"hang\"}")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        await().until(() -> listener.hanging.size() == 2);

        HttpResponse<String> third = client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":\"third\",\"method\":\"echo\"}");
        HttpResponse<String> otherSession = client.post(client.initialize(),
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(McpHttpTestClient.json(third).path("id").asText()).isEqualTo("third");
        assertThat(McpHttpTestClient.json(third).path("error").path("message").asText())
                .contains("proxy.limits.maxRequestsPerSession");
        assertThat(otherSession.statusCode()).isEqualTo(200);
        // an answer frees the slot
        listener.hanging.get(0).complete(Json.object()); // whichever of the two arrived first
        Object answered = CompletableFuture.anyOf(waiting.toArray(CompletableFuture[]::new))
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(((HttpResponse<?>) answered).statusCode()).isEqualTo(200);
        await().until(() -> client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"echo\"}").statusCode() == 200);
    }

    @Test
    void requestsBeyondTheGlobalLimitAre503AndProbesStillAnswer() throws Exception {
        start(ServingLimits.DEFAULTS.withRequests(2, 100, 100));
        for (int id = 1; id <= 2; id++) {
            String session = client.initialize();
            client.http.sendAsync(client.request(session).header("Accept", McpHttpTestClient.BOTH)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":" + id
                            + ",\"method\":\"hang\"}")).build(), HttpResponse.BodyHandlers.ofString());
        }
        await().until(() -> listener.hanging.size() == 2);

        HttpResponse<String> refused = client.post(client.initialize(), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\"}");

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(McpHttpTestClient.json(refused).path("id").asInt()).isEqualTo(7);
        assertThat(McpHttpTestClient.json(refused).path("error").path("message").asText())
                .contains("proxy.limits.maxConcurrentRequests");
        assertThat(healthz()).isEqualTo(200);
        assertThat(host.runningRequests()).isEqualTo(2);
    }

    @Test
    void atTheSessionCapTheLongestIdleSessionWithoutStreamIsEvictedElse503() throws Exception {
        FakeScheduler scheduler = new FakeScheduler();
        start(ServingLimits.DEFAULTS.withMaxSessions(3), scheduler);
        String oldest = client.initialize();
        scheduler.advance(Duration.ofSeconds(1));
        String streaming = client.initialize();
        scheduler.advance(Duration.ofSeconds(1));
        String newer = client.initialize();
        assertThat(get(null, streaming).status).isEqualTo(200);
        scheduler.advance(Duration.ofSeconds(1));

        String fourth = client.initialize();

        assertThat(listener.closed).containsExactly(oldest);
        assertThat(client.post(oldest, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}").statusCode()).isEqualTo(404);
        assertThat(host.streamableHttp().sessionCount()).isEqualTo(3);
        // every session busy (a stream open): no room, a clear 503
        assertThat(get(null, newer).status).isEqualTo(200);
        assertThat(get(null, fourth).status).isEqualTo(200);
        HttpResponse<String> refused = client.post(null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Mcp-Session-Id")).isEmpty();
        assertThat(McpHttpTestClient.json(refused).path("id").asInt()).isZero();
        assertThat(McpHttpTestClient.json(refused).path("error").path("message").asText())
                .contains("proxy.limits.maxSessions");
        assertThat(listener.closed).containsExactly(oldest);
    }

    @Test
    void theConfiguredIdleTimeoutExpiresSessionsOnTheInjectedScheduler() throws Exception {
        FakeScheduler scheduler = new FakeScheduler();
        start(ServingLimits.DEFAULTS.withSessionIdleTimeout(Duration.ofMinutes(2)), scheduler);
        String session = client.initialize();

        scheduler.advance(Duration.ofSeconds(100));
        assertThat(listener.closed).isEmpty();
        scheduler.advance(Duration.ofSeconds(30));

        assertThat(listener.closed).containsExactly(session);
    }
}
