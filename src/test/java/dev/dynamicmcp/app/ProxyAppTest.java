package dev.dynamicmcp.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.LogCapture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The composition root against a hung upstream (issue 9 items 3, 4, 5, 8, 9): it binds before it connects,
 * answers probes and {@code initialize} during start-up, stops a hung connect (and its child) at once, reloads
 * without waiting for connects, and says in {@code /status} what runs. The hung upstream is a shell that ignores
 * stdin EOF and SIGTERM and never answers {@code initialize}; each test gives its {@code sleep} a unique duration
 * to find the child by its command line. {@code FIGURE} lines are the before/after numbers.
 */
class ProxyAppTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private ProxyApp app;

    @AfterEach
    void close() {
        if (app != null) {
            app.close();
        }
    }

    private static String stdio(String... knobs) {
        List<String> command = FaultServer.command(knobs);
        return "{\"command\": " + Json.write(Json.MAPPER.valueToTree(command.get(0))) + ", \"args\": "
                + Json.write(Json.MAPPER.valueToTree(command.subList(1, command.size()))) + "}";
    }

    /** A server that never answers, ignores stdin EOF and SIGTERM: only SIGKILL ends it. */
    private static String hung(int sleepSeconds, String connectTimeout) {
        return "{\"command\": \"sh\", \"args\": [\"-c\", \"trap '' TERM; exec sleep " + sleepSeconds + "\"],"
                + " \"connectTimeout\": \"" + connectTimeout + "\"}";
    }

    private static ProxyConfig config(String servers) {
        return ConfigLoader.parse("{\"proxy\": {\"port\": 0}, \"mcpServers\": {" + servers + "}}", Map.of(), Path.of("."));
    }

    private static Optional<ProcessHandle> child(int sleepSeconds) {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("sleep " + sleepSeconds))
                .findFirst();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<Void> startInBackground(ProxyApp app) {
        return CompletableFuture.runAsync(() -> {
            try {
                app.start();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    @Test
    void probesAnswerAtOnceWhileAServerHangsAndCloseKillsTheHungConnectWithinTheDeadline() throws Exception {
        long before = System.nanoTime();
        app = ProxyApp.assemble(config("\"good\": " + stdio("--name", "good") + ", \"hang\": " + hung(611, "60s")),
                ProxyApp.Options.httpOnly());
        CompletableFuture<Void> starting = startInBackground(app);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> app.baseUri() != null);
        HttpResponse<String> health = get(app.baseUri().resolve("/healthz"));
        long healthMs = (System.nanoTime() - before) / 1_000_000;
        assertThat(health.statusCode()).isEqualTo(200);
        System.out.println("FIGURE /healthz first answer with a hung server: " + healthMs + " ms (before: ~32 s)");
        assertThat(healthMs).as("answered long before the hung server's 60 s connect timeout").isLessThan(30_000);

        await().atMost(Duration.ofSeconds(20)).until(() -> app.manager().status("good").state() == ServerState.READY);
        HttpResponse<String> ready = get(app.baseUri().resolve("/readyz"));
        JsonNode body = Json.MAPPER.readTree(ready.body());
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(body.path("ready").asBoolean()).isFalse();
        assertThat(body.path("waitingFor")).extracting(JsonNode::asText).containsExactly("hang");
        assertThat(starting).isNotDone();

        ProcessHandle hungChild = await().atMost(Duration.ofSeconds(10)).until(() -> child(611), Optional::isPresent)
                .orElseThrow();
        long closing = System.nanoTime();
        app.close();
        long closeMs = (System.nanoTime() - closing) / 1_000_000;
        await().atMost(Duration.ofSeconds(2)).until(() -> !hungChild.isAlive());
        System.out.println("FIGURE close during a hung connect: children left 0, closed in " + closeMs
                + " ms (deadline 10 s; before: waited for the 30 s connect timeout and left the child)");
        assertThat(closeMs).isLessThan(10_000);
        assertThat(child(611)).isEmpty();
        assertThatThrownBy(() -> starting.get(5, TimeUnit.SECONDS)).hasMessageContaining("stopped while starting");
    }

    @Test
    void aStdioClientsInitializeIsAnsweredBeforeTheHungServerTimesOut() throws Exception {
        Pipe toProxy = Pipe.open();
        Pipe fromProxy = Pipe.open();
        app = ProxyApp.assemble(config("\"good\": " + stdio("--name", "good") + ", \"hang\": " + hung(612, "60s")),
                ProxyApp.Options.stdio(Channels.newInputStream(toProxy.source()),
                        Channels.newOutputStream(fromProxy.sink()), false));
        long before = System.nanoTime();
        CompletableFuture<Void> starting = startInBackground(app);
        OutputStream in = Channels.newOutputStream(toProxy.sink());
        in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        BufferedReader out = new BufferedReader(new InputStreamReader(Channels.newInputStream(fromProxy.source()),
                StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(20, TimeUnit.SECONDS);
        long answerMs = (System.nanoTime() - before) / 1_000_000;
        System.out.println("FIGURE stdio initialize answered with a hung server after " + answerMs + " ms (before: ~31 s)");
        JsonNode answer = Json.MAPPER.readTree(line);
        assertThat(answer.path("id").asInt()).isEqualTo(1);
        assertThat(answer.path("result").path("serverInfo").path("name").asText()).isEqualTo("dynamic-mcp-proxy");
        assertThat(starting).as("start-up still waits for the hung server").isNotDone();
        assertThat(answerMs).isLessThan(30_000);
    }

    @Test
    void aBusyPortFailsAtOnceBeforeAnyServerIsStarted() throws Exception {
        Path marker = dir.resolve("started");
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            ProxyConfig config = ConfigLoader.parse("{\"proxy\": {\"port\": " + busy.getLocalPort() + "},"
                    + " \"mcpServers\": {\"marker\": {\"command\": \"sh\", \"args\": [\"-c\", \"touch '" + marker
                    + "'; exec sleep 613\"]}}}", Map.of(), Path.of("."));
            long before = System.nanoTime();
            assertThatThrownBy(() -> ProxyApp.start(config, ProxyApp.Options.httpOnly()))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + busy.getLocalPort())
                    .hasMessageContaining("choose another --port");
            long failMs = (System.nanoTime() - before) / 1_000_000;
            System.out.println("FIGURE busy port reported after " + failMs + " ms, 0 servers started"
                    + " (before: after every server started)");
            assertThat(failMs).isLessThan(5_000);
        }
        assertThat(marker).as("no server was started").doesNotExist();
        assertThat(child(613)).isEmpty();
    }

    @Test
    void readyzIsReadyExactlyWhenNothingIsAwaited() throws Exception {
        app = ProxyApp.assemble(config("\"good\": " + stdio("--name", "good") + ", \"hang\": " + hung(614, "1s")
                + ", \"later\": {\"command\": \"x\", \"lazy\": true}"), ProxyApp.Options.httpOnly());
        CompletableFuture<Void> starting = startInBackground(app);
        await().atMost(Duration.ofSeconds(10)).until(() -> app.baseUri() != null);
        URI readyz = app.baseUri().resolve("/readyz");
        boolean sawWaiting = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> answer;
        JsonNode body;
        do {
            answer = get(readyz);
            body = Json.MAPPER.readTree(answer.body());
            boolean ready = body.path("ready").asBoolean();
            // ready exactly when nobody is awaited (and start-up ended); a lazy server is never awaited
            if (ready) {
                assertThat(body.path("waitingFor")).as(answer.body()).isEmpty();
            }
            assertThat(answer.statusCode()).isEqualTo(ready ? 200 : 503);
            assertThat(body.path("waitingFor")).extracting(JsonNode::asText).doesNotContain("later");
            sawWaiting |= !ready && body.path("waitingFor").toString().contains("hang");
            Thread.sleep(20);
        } while (!body.path("ready").asBoolean() && System.nanoTime() < deadline);
        assertThat(sawWaiting).as("the hung server was awaited during its first attempt").isTrue();
        assertThat(body.path("ready").asBoolean()).as("ready once its first attempt failed").isTrue();
        assertThat(app.manager().status("hang").state()).as("it failed and retries: not awaited")
                .isNotEqualTo(ServerState.READY);
    }

    @Test
    void statusShowsDisabledServersAndAnInvalidFileNextToTheConfigThatRuns() throws Exception {
        Path file = Files.writeString(dir.resolve("mcp.json"), "{}");
        app = ProxyApp.assemble(config("\"good\": " + stdio("--name", "good")
                + ", \"off\": {\"command\": \"x\", \"disabled\": true}"), ProxyApp.Options.httpOnly(), file);
        app.start();
        URI status = app.baseUri().resolve("/status");

        JsonNode body = Json.MAPPER.readTree(get(status).body());
        JsonNode off = server(body, "off");
        assertThat(off.path("disabled").asBoolean()).isTrue();
        assertThat(off.has("toolCount")).as("no toolCount -1").isFalse();
        assertThat(server(body, "good").path("toolCount").asInt()).isPositive();
        assertThat(body.path("config").path("file").asText()).isEqualTo(file.toAbsolutePath().toString());
        assertThat(body.path("config").path("valid").asBoolean()).isTrue();

        app.configRejected("mcp.json: servers.good: unknown key \"arg\" (did you mean \"args\"?)");
        body = Json.MAPPER.readTree(get(status).body());
        assertThat(body.path("config").path("valid").asBoolean()).isFalse();
        assertThat(body.path("config").path("error").asText()).contains("did you mean \"args\"");
        assertThat(body.path("config").path("running").asText()).startsWith("the last valid config from ");

        app.reload(currentConfig(), currentConfig()); // the file is valid again
        assertThat(Json.MAPPER.readTree(get(status).body()).path("config").path("valid").asBoolean()).isTrue();
    }

    private ProxyConfig currentConfig() {
        Map<String, dev.dynamicmcp.config.ServerConfig> servers = new java.util.LinkedHashMap<>();
        app.manager().configs().forEach(c -> servers.put(c.name(), c));
        return new ProxyConfig(dev.dynamicmcp.config.ProxySettings.DEFAULTS, servers);
    }

    private static JsonNode server(JsonNode status, String name) {
        for (JsonNode server : status.path("servers")) {
            if (server.path("name").asText().equals(name)) {
                return server;
            }
        }
        throw new AssertionError("no server " + name + " in " + status);
    }

    @Test
    void aReloadWaitsForNoConnectAndARemovalRightAfterKillsTheHungChild() throws Exception {
        ProxyConfig initial = config("\"good\": " + stdio("--name", "good"));
        app = ProxyApp.start(initial, ProxyApp.Options.none());
        ProxyConfig withHung = config("\"good\": " + stdio("--name", "good") + ", \"hang\": " + hung(615, "60s"));

        long before = System.nanoTime();
        app.reload(initial, withHung);
        long reloadMs = (System.nanoTime() - before) / 1_000_000;
        System.out.println("FIGURE reload adding a hung server returned in " + reloadMs
                + " ms (before: up to connectTimeout, 30 s)");
        assertThat(reloadMs).isLessThan(5_000);
        assertThat(app.manager().status("hang").state()).isIn(ServerState.NEW, ServerState.CONNECTING);
        ProcessHandle hungChild = await().atMost(Duration.ofSeconds(10)).until(() -> child(615), Optional::isPresent)
                .orElseThrow();

        try (LogCapture log = LogCapture.of("dev.dynamicmcp.manager")) {
            app.reload(withHung, initial);
            assertThat(app.manager().status("hang")).as("the removal is seen at once").isNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> !hungChild.isAlive());
            assertThat(log.lines()).noneMatch(line -> line.startsWith("WARN"));
        }
        assertThat(app.manager().status("good").state()).isEqualTo(ServerState.READY);
    }

    @Test
    void proxySectionEditsAreAppliedOrSaidToNeedARestartAndNothingElseIsLogged() {
        ProxyConfig initial = ConfigLoader.parse("{\"proxy\": {\"port\": 0, \"authToken\": \"old\"},"
                + " \"mcpServers\": {}}", Map.of(), Path.of("."));
        app = ProxyApp.assemble(initial, ProxyApp.Options.httpOnly());
        try (LogCapture log = LogCapture.of(Reloader.class)) {
            app.reload(initial, initial);
            assertThat(log.lines()).as("no change, no line").isEmpty();

            ProxyConfig edited = ConfigLoader.parse("{\"proxy\": {\"port\": 0, \"authToken\": \"new\","
                    + " \"namespace\": \"none\", \"defaults\": {\"requestTimeout\": \"7s\"}}, \"mcpServers\": {}}",
                    Map.of(), Path.of("."));
            app.reload(initial, edited);
            assertThat(log.lines()).anyMatch(line -> line.startsWith("WARN")
                    && line.contains("restart needed for namespace") && !line.contains("authToken"));
            assertThat(log.lines()).anyMatch(line -> line.contains("proxy.authToken changed: rotated"));
            assertThat(log.lines()).anyMatch(line -> line.contains("proxy.defaults changed"));
        }
    }

    /** Issue 9 item 9: a server that fell back to legacy SSE was shown as "http". */
    @Test
    void aServerThatFellBackToLegacySseShowsIt() throws Exception {
        try (dev.dynamicmcp.testsupport.HttpFault legacy = FaultServer.startSse(
                FaultServer.Options.builder().name("legacy").build())) {
            app = ProxyApp.start(config("\"legacy\": {\"url\": \"" + legacy.url() + "\"}"), ProxyApp.Options.none());
            assertThat(app.manager().status("legacy").state()).isEqualTo(ServerState.READY);
            assertThat(app.manager().status("legacy").transport()).isEqualTo("sse (fallback)");
            app.close();
            app = null;
        }
    }

    /** Issue 9 item 8: a rotated token works at once and the old one stops working at once. */
    @Test
    void aTokenEditedInTheFileIsRotatedLive() throws Exception {
        ProxyConfig initial = ConfigLoader.parse("{\"proxy\": {\"port\": 0, \"authToken\": \"old-token\"},"
                + " \"mcpServers\": {}}", Map.of(), Path.of("."));
        app = ProxyApp.start(initial, ProxyApp.Options.httpOnly());
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, Integer> statusWith = token -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(app.baseUri().resolve("/status"))
                        .header("Authorization", "Bearer " + token).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(statusWith.apply("old-token")).isEqualTo(200);

        ProxyConfig edited = ConfigLoader.parse("{\"proxy\": {\"port\": 0, \"authToken\": \"new-token\"},"
                + " \"mcpServers\": {}}", Map.of(), Path.of("."));
        app.reload(initial, edited);

        assertThat(statusWith.apply("new-token")).isEqualTo(200);
        assertThat(statusWith.apply("old-token")).isEqualTo(401);
    }
}
