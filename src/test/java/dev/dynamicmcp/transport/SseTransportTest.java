package dev.dynamicmcp.transport;

import static dev.dynamicmcp.transport.RawMessages.echo;
import static dev.dynamicmcp.transport.RawMessages.initialize;
import static dev.dynamicmcp.transport.RawMessages.initialized;
import static dev.dynamicmcp.transport.RawMessages.toolsList;
import static dev.dynamicmcp.transport.StubHttpServer.event;
import static dev.dynamicmcp.transport.StubHttpServer.idOf;
import static dev.dynamicmcp.transport.StubHttpServer.json;
import static dev.dynamicmcp.transport.StubHttpServer.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.testsupport.Peers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SseTransportTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient client = UpstreamHttpClient.start();
    private final RecordingListener listener = new RecordingListener();
    private StubHttpServer stub;
    private SseTransport transport;

    @AfterEach
    void tearDown() {
        if (transport != null) {
            transport.close();
        }
        if (stub != null) {
            stub.close();
        }
        UpstreamHttpClient.stop(client);
    }

    @Test
    void talksToServerEverythingOverLegacySse() throws Exception {
        try (Peers.NodeServer everything = Peers.startEverythingSse()) {
            transport = new SseTransport("legacy", everything.url(), Map.of(), client, CONNECT_TIMEOUT);
            transport.start(listener);

            transport.send(initialize(1));
            assertThat(listener.awaitResponse(1).path("result").path("serverInfo").isObject()).isTrue();
            transport.send(initialized());
            transport.send(toolsList(2));
            JsonNode tools = listener.awaitResponse(2).path("result").path("tools");
            assertThat(tools.findValuesAsText("name")).contains("echo");
            transport.send(echo(3, "over legacy sse"));
            assertThat(listener.awaitResponse(3).path("result").path("content").get(0).path("text").asText())
                    .isEqualTo("Echo: over legacy sse");

            transport.close();
            assertThat(listener.closeCount()).isEqualTo(1);
            assertThat(listener.closedOnRequest()).isTrue();
        }
    }

    /** A legacy server: the GET announces a relative endpoint, POSTs are answered 202 and on the stream. */
    private StubHttpServer legacyStub(CountDownLatch endStream) throws IOException {
        BlockingQueue<String> toStream = new LinkedBlockingQueue<>();
        return new StubHttpServer().on("GET", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, "event: endpoint\ndata: /messages?sessionId=abc");
            while (endStream.getCount() > 0) {
                String message = poll(toStream);
                if (message != null) {
                    event(out, "event: message\ndata: " + message);
                }
            }
        }).on("POST", (exchange, request) -> {
            exchange.sendResponseHeaders(202, -1);
            toStream.add("{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{}}");
        });
    }

    @Test
    void postsToTheAnnouncedEndpointWithTheConfiguredHeaders() throws Exception {
        CountDownLatch endStream = new CountDownLatch(1);
        stub = legacyStub(endStream);
        transport = new SseTransport("legacy", stub.url("/sse"), Map.of("X-Api-Key", "k1"), client, CONNECT_TIMEOUT);
        transport.start(listener);

        transport.send(toolsList(7));

        assertThat(listener.awaitResponse(7).has("result")).isTrue();
        var post = stub.requests("POST").get(0);
        assertThat(post.path()).isEqualTo("/messages");
        assertThat(post.header("X-Api-Key")).isEqualTo("k1");
        assertThat(stub.requests("GET").get(0).header("X-Api-Key")).isEqualTo("k1");
        endStream.countDown();
    }

    @Test
    void theEndOfTheStreamClosesTheChannelWithACause() throws Exception {
        CountDownLatch endStream = new CountDownLatch(1);
        stub = legacyStub(endStream);
        transport = new SseTransport("legacy", stub.url("/sse"), Map.of(), client, CONNECT_TIMEOUT);
        transport.start(listener);

        endStream.countDown(); // the server goes away

        await().atMost(Duration.ofSeconds(5)).until(() -> listener.closeCount() == 1);
        assertThat(listener.closedOnRequest()).isFalse();
        assertThat(listener.closes.get(0)).isInstanceOf(IOException.class).hasMessageContaining("legacy");
        assertThatThrownBy(() -> transport.send(toolsList(1))).isInstanceOf(IOException.class);
        transport.close();
        assertThat(listener.closeCount()).isEqualTo(1);
    }

    @Test
    void aStreamWithoutEndpointEventFailsStartWithinTheConnectTimeout() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        stub = new StubHttpServer().on("GET", (exchange, request) -> {
            sse(exchange, Map.of());
            awaitQuietly(never);
        });
        transport = new SseTransport("mute", stub.url("/sse"), Map.of(), client, Duration.ofMillis(300));

        long started = System.nanoTime();
        assertThatThrownBy(() -> transport.start(listener))
                .isInstanceOfSatisfying(UpstreamFailure.class, e -> {
                    assertThat(e.summary()).startsWith("timed out connecting");
                    assertThat(e.detail()).contains("endpoint").contains(stub.url("/sse").toString());
                })
                .hasCauseInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("endpoint");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(listener.closeCount()).isZero(); // start threw; there was never a channel to close
        never.countDown();
    }

    @Test
    void anEndpointOnAnotherOriginIsRefused() throws Exception {
        stub = new StubHttpServer().on("GET", (exchange, request) -> {
            OutputStream out = sse(exchange, Map.of());
            event(out, "event: endpoint\ndata: http://evil.example/steal");
        });
        transport = new SseTransport("legacy", stub.url("/sse"), Map.of("Authorization", "Bearer x"), client,
                CONNECT_TIMEOUT);

        assertThatThrownBy(() -> transport.start(listener))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("another origin");
    }

    @Test
    void aRefusedStreamFailsStartWithTheStatus() throws Exception {
        stub = new StubHttpServer().on("GET", (exchange, request) -> json(exchange, 401, "{\"error\":\"no token\"}",
                Map.of()));
        transport = new SseTransport("legacy", stub.url("/sse"), Map.of(), client, CONNECT_TIMEOUT);

        assertThatThrownBy(() -> transport.start(listener))
                .isInstanceOfSatisfying(HttpStatusException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.detail()).as("the body is for the operator").contains("no token");
                })
                .hasMessage("server 'legacy': answered HTTP 401");
    }

    private static String poll(BlockingQueue<String> queue) {
        try {
            return queue.poll(20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
