package dev.dynamicmcp.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every admin route against a fake backend on a plain Jetty server: status codes, bodies, masking, events. */
class AdminRoutesTest {
    private final FakeScheduler scheduler = new FakeScheduler();
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeAdminBackend backend;
    private AdminTestServer server;

    @BeforeEach
    void start() throws Exception {
        backend = new FakeAdminBackend()
                .server("github", "stdio", ServerState.READY, entry("""
                        {"command": "npx", "args": ["-y", "server-github", "--api-key", "sk-live-1", "--token=abc"],
                         "env": {"GITHUB_TOKEN": "ghp_secret", "FROM_ENV": "${GITHUB_TOKEN}", "LEVEL": "debug"}}"""),
                        List.of(FakeAdminBackend.tool("create_issue", "Create an issue")))
                .server("remote", "http", ServerState.BACKOFF, entry("""
                        {"url": "https://user:pw@example.com/mcp?api_key=k123&region=eu",
                         "headers": {"Authorization": "Bearer abc123", "X-Trace": "on"}, "clientSecret": "shh",
                         "requestTimeout": "30s"}"""), List.of());
        server = new AdminTestServer(backend, scheduler, null);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private static ObjectNode entry(String json) {
        return (ObjectNode) Json.parse(json);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        return Json.parse(response.body());
    }

    @Test
    void listsEveryServerWithStatusCallFiguresAndMaskedConfig() throws Exception {
        backend.call("github", 10, CallOutcome.SUCCESS);
        backend.call("github", 30, CallOutcome.SUCCESS);
        backend.call("github", 1, CallOutcome.CONNECTION_FAILED);

        HttpResponse<String> response = send("GET", "/admin/servers", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode servers = json(response).get("servers");
        assertThat(servers).hasSize(2);
        JsonNode github = servers.get(0);
        assertThat(github.get("name").asText()).isEqualTo("github");
        assertThat(github.get("state").asText()).isEqualTo("READY");
        assertThat(github.get("status").asText()).isEqualTo("ready");
        assertThat(github.get("transport").asText()).isEqualTo("stdio");
        assertThat(github.get("revision").asText()).isEqualTo("2025-06-18");
        assertThat(github.get("breaker").asText()).isEqualTo("CLOSED");
        assertThat(github.get("connectTimeMs").asLong()).isEqualTo(42);
        assertThat(github.get("toolCount").asInt()).isEqualTo(1);
        assertThat(github.has("since") && github.has("lastError") && github.has("reconnects") && github.has("inFlight")).isTrue();
        JsonNode calls = github.get("calls");
        assertThat(calls.get("calls").asLong()).isEqualTo(3);
        assertThat(calls.get("errors").asLong()).isEqualTo(1);
        assertThat(calls.get("p50Ms").asDouble()).isEqualTo(10.0);
        assertThat(calls.get("p99Ms").asDouble()).isEqualTo(30.0);
        assertThat(calls.get("windowSeconds").asLong()).isEqualTo(300);
        JsonNode remote = servers.get(1);
        assertThat(remote.get("status").asText()).isEqualTo("down");
        assertThat(remote.get("calls").get("p50Ms").isNull()).isTrue();
    }

    @Test
    void secretsAreMaskedEverywhereTheConfigIsShown() throws Exception {
        String body = send("GET", "/admin/servers", null).body() + send("GET", "/admin/servers/remote", null).body();
        assertThat(body).doesNotContain("ghp_secret", "sk-live-1", "abc123", "shh", ":pw@", "k123", "--token=abc\"");

        JsonNode github = json(send("GET", "/admin/servers/github", null)).get("config");
        assertThat(github.get("env").get("GITHUB_TOKEN").asText()).isEqualTo("****");
        assertThat(github.get("env").get("LEVEL").asText()).isEqualTo("****");
        assertThat(github.get("env").get("FROM_ENV").asText()).as("a bare reference reveals nothing").isEqualTo("${GITHUB_TOKEN}");
        assertThat(github.get("args")).containsExactly(Json.MAPPER.readTree(
                "[\"-y\", \"server-github\", \"--api-key\", \"****\", \"--token=****\"]").valueStream().toArray(JsonNode[]::new));
        assertThat(github.get("command").asText()).isEqualTo("npx");

        JsonNode remote = json(send("GET", "/admin/servers/remote", null)).get("config");
        assertThat(remote.get("url").asText()).isEqualTo("https://user:****@example.com/mcp?api_key=****&region=eu");
        assertThat(remote.get("headers").get("Authorization").asText()).isEqualTo("****");
        assertThat(remote.get("headers").get("X-Trace").asText()).isEqualTo("****");
        assertThat(remote.get("clientSecret").asText()).isEqualTo("****");
        assertThat(remote.get("requestTimeout").asText()).isEqualTo("30s");
    }

    @Test
    void oneServerComesWithItsCatalogAndAnUnknownOneIs404() throws Exception {
        JsonNode github = json(send("GET", "/admin/servers/github", null));
        assertThat(github.get("tools").get(0).get("name").asText()).isEqualTo("create_issue");
        assertThat(github.get("resources")).isEmpty();
        assertThat(github.get("resourceTemplates")).isEmpty();
        assertThat(github.get("prompts")).isEmpty();

        HttpResponse<String> unknown = send("GET", "/admin/servers/nope", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isEqualTo("no server named \"nope\"");
    }

    @Test
    void putCreatesWith201AndReplacesWith200() throws Exception {
        HttpResponse<String> created = send("PUT", "/admin/servers/weather",
                "{\"command\": \"weather-mcp\", // comments as in the file\n \"args\": [\"--metric\"],}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("result").asText()).isEqualTo("created");
        assertThat(json(created).get("server").get("name").asText()).isEqualTo("weather");
        assertThat(backend.storedEntry("weather")).isEqualTo(entry("{\"command\": \"weather-mcp\", \"args\": [\"--metric\"]}"));

        HttpResponse<String> replaced = send("PUT", "/admin/servers/weather", "{\"command\": \"weather-mcp2\"}");
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(json(replaced).get("result").asText()).isEqualTo("replaced");
        assertThat(backend.storedEntry("weather").get("command").asText()).isEqualTo("weather-mcp2");
    }

    @Test
    void anEntryReadFromTheApiAndSentBackKeepsItsSecrets() throws Exception {
        ObjectNode shown = (ObjectNode) json(send("GET", "/admin/servers/remote", null)).get("config");
        shown.put("requestTimeout", "45s");

        assertThat(send("PUT", "/admin/servers/remote", Json.write(shown)).statusCode()).isEqualTo(200);

        ObjectNode stored = backend.storedEntry("remote");
        assertThat(stored.get("headers").get("Authorization").asText()).isEqualTo("Bearer abc123");
        assertThat(stored.get("clientSecret").asText()).isEqualTo("shh");
        assertThat(stored.get("url").asText()).isEqualTo("https://user:pw@example.com/mcp?api_key=k123&region=eu");
        assertThat(stored.get("requestTimeout").asText()).isEqualTo("45s");

        ObjectNode github = (ObjectNode) json(send("GET", "/admin/servers/github", null)).get("config");
        assertThat(send("PUT", "/admin/servers/github", Json.write(github)).statusCode()).isEqualTo(200);
        assertThat(backend.storedEntry("github").get("args").toString()).contains("sk-live-1").contains("--token=abc");
        assertThat(backend.storedEntry("github").get("env").get("GITHUB_TOKEN").asText()).isEqualTo("ghp_secret");
    }

    @Test
    void anInvalidEntryIs400WithEveryProblemInTheLoadersWords() throws Exception {
        String bad = "{\"command\": \"x\", \"url\": \"http://h/mcp\", \"requestTimeout\": \"soon\", \"env\": 3}";
        List<ConfigProblem> expected;
        try {
            ConfigLoader.parse("{\"mcpServers\": {\"bad\": " + bad + "}}", Map.of(), Path.of("."));
            throw new AssertionError("should be invalid");
        } catch (ConfigException e) {
            expected = e.problems();
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(2);

        HttpResponse<String> response = send("PUT", "/admin/servers/bad", bad);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = json(response);
        assertThat(body.get("error").asText()).startsWith("invalid entry: " + expected.size() + " problems");
        assertThat(body.get("problems")).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(body.get("problems").get(i).get("message").asText()).isEqualTo(expected.get(i).message());
            assertThat(body.get("problems").get(i).get("key").asText()).isEqualTo(expected.get(i).key());
        }
        assertThat(backend.server("bad")).isEmpty();

        JsonNode name = json(send("PUT", "/admin/servers/bad%20name", "{\"command\": \"x\"}")).get("problems").get(0);
        assertThat(name.get("field").asText()).isEqualTo("name");
        assertThat(name.get("message").asText()).startsWith("name may only contain");
    }

    @Test
    void aBodyThatIsNotOneJsonObjectIs400AndATooLargeOneIs413() throws Exception {
        HttpResponse<String> broken = send("PUT", "/admin/servers/x", "{\"command\": ");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(json(broken).get("problems").get(0).get("message").asText()).startsWith("not valid JSON at line 1");

        HttpResponse<String> array = send("PUT", "/admin/servers/x", "[1]");
        assertThat(array.statusCode()).isEqualTo(400);
        assertThat(json(array).get("error").asText()).contains("must be one mcpServers entry").contains("got array");

        assertThat(send("PUT", "/admin/servers/x", "").statusCode()).isEqualTo(400);
        String huge = "{\"command\": \"" + "x".repeat(AdminHttp.MAX_BODY_BYTES) + "\"}";
        HttpResponse<String> tooLarge = send("PUT", "/admin/servers/x", huge);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(json(tooLarge).get("error").asText()).contains("larger than " + AdminHttp.MAX_BODY_BYTES);
        // its body was read and dropped, so the connection stays open for the client's next request
        assertThat(tooLarge.headers().firstValue("Connection")).isEmpty();
        assertThat(send("GET", "/admin/servers", null).statusCode()).isEqualTo(200);
        assertThat(backend.actions).isEmpty();
    }

    @Test
    void aTooLargeBodyThatIsNotReadIs413WithConnectionClose() throws Exception {
        String huge = "{\"command\": \"" + "x".repeat(AdminHttp.MAX_BODY_BYTES) + "\"}";
        HttpResponse<String> waited = http.send(HttpRequest.newBuilder(server.uri("/admin/servers/x"))
                .timeout(Duration.ofSeconds(10)).expectContinue(true).PUT(HttpRequest.BodyPublishers.ofString(huge))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(waited.statusCode()).isEqualTo(413);
        assertThat(waited.headers().firstValue("Connection")).hasValue("close");

        // beyond what is drained: answered at once, without reading; only the headers are sent, so the
        // server's close cannot reset this socket before the answer is read
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /admin/servers/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + (AdminHttp.DRAIN_BEFORE_413 + 1)
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close")
                    .contains("larger than " + AdminHttp.MAX_BODY_BYTES);
        }
        assertThat(backend.actions).isEmpty();
    }

    @Test
    void deleteRemovesAndAnUnknownNameIs404() throws Exception {
        HttpResponse<String> removed = send("DELETE", "/admin/servers/github", null);
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(json(removed).get("result").asText()).isEqualTo("removed");
        assertThat(backend.server("github")).isEmpty();
        assertThat(send("DELETE", "/admin/servers/github", null).statusCode()).isEqualTo(404);
    }

    @Test
    void restartDisableEnableAnswer200Or404AndOnlyTakePost() throws Exception {
        for (String action : List.of("restart", "disable", "enable")) {
            HttpResponse<String> done = send("POST", "/admin/servers/github/" + action, null);
            assertThat(done.statusCode()).isEqualTo(200);
            assertThat(json(done).get("result").asText()).isEqualTo(action + (action.endsWith("e") ? "d" : "ed"));
            assertThat(send("POST", "/admin/servers/nope/" + action, null).statusCode()).isEqualTo(404);
            HttpResponse<String> get = send("GET", "/admin/servers/github/" + action, null);
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        }
        assertThat(backend.actions).containsExactly("restart github", "disable github", "enable github");
        assertThat(json(send("GET", "/admin/servers/github", null)).get("state").asText()).isEqualTo("READY");
    }

    @Test
    void reloadIs200OrA409ListingTheFilesProblems() throws Exception {
        assertThat(json(send("POST", "/admin/reload", null)).get("result").asText()).isEqualTo("reloaded");
        backend.reloadProblems = List.of(new ConfigProblem("x", "mcpServers.x.command", "must be a string"),
                new ConfigProblem(null, null, "something else"));
        HttpResponse<String> refused = send("POST", "/admin/reload", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused).get("problems")).hasSize(2);
        assertThat(json(refused).get("problems").get(0).get("field").asText()).isEqualTo("command");
        assertThat(json(refused).get("error").asText()).contains("server \"x\", key \"command\": must be a string");
        assertThat(send("GET", "/admin/reload", null).statusCode()).isEqualTo(405);
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405AsJson() throws Exception {
        HttpResponse<String> unknown = send("GET", "/admin/nothing", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).startsWith("no admin route GET /admin/nothing");
        assertThat(send("POST", "/admin/servers", null).statusCode()).isEqualTo(405);
        assertThat(send("POST", "/admin/servers/github", null).statusCode()).isEqualTo(405);
        assertThat(send("GET", "/admin/servers/github/explode", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aBackendFailureIs500WithItsDescription() throws Exception {
        backend.toolsFor = name -> {
            throw new IllegalStateException("the config file could not be written: disk full");
        };
        HttpResponse<String> failed = send("PUT", "/admin/servers/new", "{\"command\": \"x\"}");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(json(failed).get("error").asText()).contains("disk full");
    }

    // ---- the event feed

    /** Reads an SSE stream's lines into a queue. */
    private BlockingQueue<String> subscribe(String lastEventId) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/admin/events"));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> {
                    lines.add("status " + response.statusCode() + " " + response.headers().firstValue("Content-Type").orElse(""));
                    response.body().forEach(lines::add);
                    lines.add("<end>");
                });
        return lines;
    }

    /** The next event of the given type, as JSON. */
    private static JsonNode next(BlockingQueue<String> lines, String type) throws Exception {
        String event = null;
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("waiting for a " + type + " event").isNotNull().isNotEqualTo("<end>");
            if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ") && type.equals(event)) {
                return Json.parse(line.substring(6));
            }
        }
    }

    @Test
    void eventsStreamStateConfigAndCallEvents() throws Exception {
        BlockingQueue<String> lines = subscribe(null);
        assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("status 200 text/event-stream; charset=utf-8");
        assertThat(next(lines, "hello").get("seq").asLong()).isZero();

        backend.setState("remote", ServerState.READY, "connected");
        JsonNode state = next(lines, "state");
        assertThat(state.get("server").asText()).isEqualTo("remote");
        assertThat(state.get("from").asText()).isEqualTo("BACKOFF");
        assertThat(state.get("to").asText()).isEqualTo("READY");
        assertThat(state.get("status").asText()).isEqualTo("ready");
        assertThat(state.get("reason").asText()).isEqualTo("connected");
        assertThat(state.get("at").asText()).isEqualTo(scheduler.now().toString());

        backend.call("github", 12, CallOutcome.TIMEOUT);
        JsonNode call = next(lines, "call");
        assertThat(call.get("server").asText()).isEqualTo("github");
        assertThat(call.get("method").asText()).isEqualTo("tools/call");
        assertThat(call.get("ms").asDouble()).isEqualTo(12.0);
        assertThat(call.get("outcome").asText()).isEqualTo("TIMEOUT");

        send("DELETE", "/admin/servers/github", null);
        JsonNode config = next(lines, "config");
        assertThat(config.get("server").asText()).isEqualTo("github");
        assertThat(config.get("change").asText()).isEqualTo("removed");
        assertThat(config.get("source").asText()).isEqualTo("api");
        assertThat(config.get("seq").asLong()).isGreaterThan(call.get("seq").asLong());

        scheduler.advance(EventFeed.DEFAULT_KEEP_ALIVE);
        String line;
        do {
            line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).isNotNull();
        } while (!line.equals(": keep-alive"));
    }

    @Test
    void aNewSubscriberGetsTheRecentStateChangesAfterItsLastEventId() throws Exception {
        backend.setState("remote", ServerState.CONNECTING, "reconnecting");
        backend.setState("remote", ServerState.READY, "connected");
        backend.call("github", 5, CallOutcome.SUCCESS);

        BlockingQueue<String> all = subscribe(null);
        assertThat(next(all, "hello").get("replayed").asInt()).as("calls are live only").isEqualTo(2);
        JsonNode first = next(all, "state");
        assertThat(first.get("to").asText()).isEqualTo("CONNECTING");
        assertThat(next(all, "state").get("to").asText()).isEqualTo("READY");

        BlockingQueue<String> later = subscribe(first.get("seq").asText());
        assertThat(next(later, "hello").get("replayed").asInt()).isEqualTo(1);
        assertThat(next(later, "state").get("to").asText()).isEqualTo("READY");
    }

    @Test
    void aSubscriberThatDoesNotKeepUpIsDroppedWithoutSlowingThePublisher() throws Exception {
        server.close();
        // A scheduler whose loops never start: the subscriber's writer never drains its queue.
        Scheduler stalled = new StalledLoops(scheduler);
        AdminRoutes routes = AdminRoutes.forTest(backend, stalled, 4, Duration.ofHours(1));
        server = new AdminTestServer(backend, routes, null);
        EventFeed feed = feedOf(routes);
        CompletableFuture<HttpResponse<Stream<String>>> stream = http.sendAsync(
                HttpRequest.newBuilder(server.uri("/admin/events")).build(), HttpResponse.BodyHandlers.ofLines());
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.subscriberCount() == 1);

        long started = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            backend.call("github", 1, CallOutcome.SUCCESS);
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(feed.subscriberCount()).isZero();
        assertThat(tookMillis).as("1000 publishes with a stuck subscriber").isLessThan(2000);
        await().atMost(Duration.ofSeconds(10)).until(stream::isDone);
    }

    private static EventFeed feedOf(AdminRoutes routes) throws Exception {
        var field = AdminRoutes.class.getDeclaredField("events");
        field.setAccessible(true);
        return (EventFeed) field.get(routes);
    }

    /** Delegates to a FakeScheduler, except that loops are created and never started. */
    private record StalledLoops(FakeScheduler delegate) implements Scheduler {
        @Override
        public long nanoTime() {
            return delegate.nanoTime();
        }

        @Override
        public Clock clock() {
            return delegate.clock();
        }

        @Override
        public double random() {
            return delegate.random();
        }

        @Override
        public Cancellable schedule(String name, Duration delay, Runnable task) {
            return delegate.schedule(name, delay, task);
        }

        @Override
        public void execute(String name, Runnable task) {
            delegate.execute(name, task);
        }

        @Override
        public Thread startLoop(String name, Runnable loop) {
            return Thread.ofVirtual().name(name).unstarted(loop);
        }

        @Override
        public void close(Duration timeout) {
        }
    }
}
