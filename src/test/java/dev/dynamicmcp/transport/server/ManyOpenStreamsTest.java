package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.McpMethods;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression (issue 9, item 1): each open GET stream held one of Jetty's 200 pooled tasks, so 250 open streams
 * made {@code /healthz} and a new {@code initialize} time out. Streams are now written asynchronously.
 */
@Timeout(180)
class ManyOpenStreamsTest {
    private static final int STREAMS = 1_000;

    private final EchoListener listener = new EchoListener();
    private final List<RawStream> streams = new ArrayList<>();
    private HttpServerHost host;

    @AfterEach
    void stop() throws Exception {
        for (RawStream stream : streams) {
            stream.close();
        }
        if (host != null) {
            host.stop();
        }
    }

    @Test
    void aThousandOpenGetStreamsLeaveHealthzAndNewSessionsFast() throws Exception {
        host = new HttpServerHost(new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(), "__", null,
                1 << 20, 8, ProxySettings.DEFAULTS.defaults()), listener, HostOptions.DEFAULTS);
        host.addRoute("GET", "/healthz", (request, response, callback) -> {
            Content.Sink.write(response, true, "{\"status\":\"ok\"}", callback);
            return true;
        });
        host.start();
        McpHttpTestClient client = new McpHttpTestClient(host.uri().resolve("/mcp"));

        List<String> sessions = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<String>> opened = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                opened.add(pool.submit(client::initialize));
            }
            for (Future<String> session : opened) {
                sessions.add(session.get());
            }
        }
        for (String session : sessions) {
            RawStream stream = RawStream.open(host.port(), null, "/mcp", "Mcp-Session-Id", session);
            streams.add(stream);
            assertThat(stream.status).isEqualTo(200);
        }
        assertThat(host.openStreams()).isEqualTo(STREAMS);

        long[] healthMs = new long[200];
        for (int i = 0; i < healthMs.length; i++) {
            long start = System.nanoTime();
            HttpResponse<String> health = client.http.send(HttpRequest.newBuilder(host.uri().resolve("/healthz"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            healthMs[i] = (System.nanoTime() - start) / 1_000_000;
            assertThat(health.statusCode()).isEqualTo(200);
        }
        int failed = 0;
        for (int i = 0; i < 20; i++) {
            try {
                String session = client.initialize();
                HttpResponse<String> tools = client.post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
                if (tools.statusCode() != 200 || !tools.body().contains("\"echo\"")) {
                    failed++;
                }
            } catch (Exception e) {
                failed++;
            }
        }
        // every stream is still live: a notification reaches each of them
        for (String session : sessions) {
            listener.notifyUnrelated(session, McpMethods.TOOLS_LIST_CHANGED);
        }
        int reached = 0;
        for (RawStream stream : streams) {
            if (stream.await(McpMethods.TOOLS_LIST_CHANGED)) {
                reached++;
            }
        }

        Arrays.sort(healthMs);
        long p99 = healthMs[(int) Math.ceil(healthMs.length * 0.99) - 1];
        System.out.println("FIGURE: " + STREAMS + " open GET streams: /healthz p50 " + healthMs[healthMs.length / 2]
                + " ms, p99 " + p99 + " ms, max " + healthMs[healthMs.length - 1] + " ms; control calls (initialize + "
                + "tools/list) 20, " + failed + " failed; a notification reached " + reached + " of " + STREAMS
                + " streams");
        assertThat(failed).isZero();
        assertThat(reached).isEqualTo(STREAMS);
        assertThat(p99).isLessThan(1_000);
    }

    /** Regression (issue 9, item 1): 300 concurrent slow calls ran in two waves (200 pooled tasks, then the rest). */
    @Test
    void threeHundredConcurrentSlowCallsAllRunAtOnce() throws Exception {
        host = new HttpServerHost(new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(), "__", null,
                1 << 20, 8, ProxySettings.DEFAULTS.defaults()), listener, HostOptions.DEFAULTS);
        host.addRoute("GET", "/healthz", (request, response, callback) -> {
            Content.Sink.write(response, true, "ok", callback);
            return true;
        });
        host.start();
        McpHttpTestClient client = new McpHttpTestClient(host.uri().resolve("/mcp"));
        int calls = 300;
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < calls / 100; i++) {
            sessions.add(client.initialize());
        }
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int id = 1; id <= calls; id++) {
            answers.add(client.http.sendAsync(client.request(sessions.get(id % sessions.size()))
                    .header("Accept", McpHttpTestClient.BOTH).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":" + id
                            + ",\"method\":\"hang\"}")).build(), HttpResponse.BodyHandlers.ofString()));
        }

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> listener.hanging.size() == calls);
        long start = System.nanoTime();
        int health = client.http.send(HttpRequest.newBuilder(host.uri().resolve("/healthz"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        long healthMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(host.runningRequests()).isEqualTo(calls);
        listener.hanging.forEach(call -> call.complete(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode().put("done", true)));
        int answered = 0;
        for (var answer : answers) {
            if (answer.get(20, java.util.concurrent.TimeUnit.SECONDS).body().contains("\"done\":true")) {
                answered++;
            }
        }

        System.out.println("FIGURE: " + calls + " concurrent calls waiting at once (one wave): /healthz meanwhile "
                + healthMs + " ms; " + answered + " of " + calls + " answered");
        assertThat(health).isEqualTo(200);
        assertThat(answered).isEqualTo(calls);
    }
}
