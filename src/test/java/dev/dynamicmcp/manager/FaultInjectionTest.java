package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.testsupport.FakeScheduler;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import dev.dynamicmcp.testsupport.TestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fault tests: the real {@link ServerManager} and {@link DefaultClientFactory} (real stdio, Streamable
 * HTTP and legacy SSE transports) against {@link FaultServer}, an upstream that crashes, hangs, prints garbage,
 * answers slowly or hugely, exits at start and forgets its HTTP sessions on command.
 */
class FaultInjectionTest {
    /** Short timeouts and backoff so faults show quickly; health checks off unless a test turns them on. */
    static final ServerOptions OPTIONS = TestOptions.fast().connectTimeout(Duration.ofSeconds(15)).requestTimeout(Duration.ofSeconds(5))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(500)).retries(2).lazy(false).build();

    final DefaultClientFactory factory = new DefaultClientFactory();
    final RecordingListener recorder = new RecordingListener();
    final List<HttpFault> httpServers = new CopyOnWriteArrayList<>();
    final List<ServerManager> managers = new ArrayList<>();
    ServerManager manager;

    @AfterEach
    void tearDown() {
        for (ServerManager m : managers) {
            m.shutdown(Duration.ofSeconds(5));
        }
        httpServers.forEach(HttpFault::stop);
        factory.close();
    }

    static ServerConfig stdio(String name, ServerOptions options, String... knobs) {
        List<String> command = FaultServer.command(knobs);
        return new ServerConfig(name, TransportKind.STDIO, command.get(0), command.subList(1, command.size()), null,
                null, null, null, false, Isolation.SHARED, null, options);
    }

    static ServerConfig http(String name, TransportKind transport, HttpFault server, ServerOptions options) {
        return ServerConfig.http(name, transport, server.url()).withOptions(options);
    }

    HttpFault track(HttpFault server) {
        httpServers.add(server);
        return server;
    }

    ServerManager start(ServerConfig... servers) {
        ServerManager m = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(servers)).clientFactory(factory)
                .listener(recorder).build();
        managers.add(m);
        m.addServerListener(recorder);
        m.initialize();
        manager = m;
        return m;
    }

    CompletableFuture<JsonNode> callTool(String server, String tool, ObjectNode arguments) {
        ObjectNode params = Json.object().put("name", tool);
        params.set("arguments", arguments);
        return manager.execute(server, McpMethods.TOOLS_CALL, c -> c.request(McpMethods.TOOLS_CALL, params).result());
    }

    CompletableFuture<JsonNode> echo(String server, String message) {
        return callTool(server, "echo", Json.object().put("message", message));
    }

    static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Test
    void garbageOnStdoutIsSkippedAndCallsSucceed() {
        start(stdio("g", OPTIONS, "--garbage"));
        for (int i = 0; i < 5; i++) {
            JsonNode result = echo("g", "hello " + i).join();
            assertThat(text(result)).isEqualTo("hello " + i);
            assertThat(result.path("structuredContent").path("message").asText()).isEqualTo("hello " + i);
        }
        // every answer (initialize and the five calls) came after a non-JSON line and a JSON non-message
        assertThat(manager.client("g").badInputCount()).isGreaterThanOrEqualTo(6);
        assertThat(manager.status("g").state()).isEqualTo(ServerState.READY);
        assertThat(manager.status("g").reconnects()).isZero();
    }

    @Test
    void aServerCrashingMidCallFailsThatCallQuicklyAndIsReconnected() {
        start(stdio("crashy", OPTIONS, "--crash-after", "2"));
        long firstPid = manager.client("crashy").transport().pid();
        assertThat(text(echo("crashy", "one").join())).isEqualTo("one");

        long crashedAt = System.nanoTime();
        assertThatThrownBy(() -> echo("crashy", "two").get(2, TimeUnit.SECONDS))
                .cause().isInstanceOf(McpException.class)
                .hasMessageContaining("\"crashy\"")
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(JsonRpc.CONNECTION_CLOSED));
        long failedAfterMs = millisSince(crashedAt);
        assertThat(failedAfterMs).isLessThan(2000);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> manager.status("crashy").state() == ServerState.READY && manager.status("crashy").reconnects() == 1);
        long recoveredMs = millisSince(crashedAt);
        System.out.println("FIGURE: crash-after recovery " + recoveredMs + " ms (the crashed call failed after "
                + failedAfterMs + " ms)");
        assertThat(manager.status("crashy").lastError()).contains("exited with code " + FaultServer.CRASH_EXIT_CODE);
        assertThat(manager.status("crashy").lastErrorDetail()).as("the stderr tail is for the operator")
                .contains("exited with code " + FaultServer.CRASH_EXIT_CODE);
        assertThat(manager.client("crashy").transport().pid()).isNotEqualTo(firstPid);
        // the listener hears of a transition just after the status shows it
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(recorder.transitions).containsSubsequence(
                "crashy: CONNECTING -> READY", "crashy: READY -> BACKOFF", "crashy: BACKOFF -> CONNECTING",
                "crashy: CONNECTING -> READY"));
        assertThat(text(echo("crashy", "three").join())).isEqualTo("three");
    }

    @Test
    void aServerExitingAtStartIsReportedWithoutHoldingUpTheOthersOrTheCaller() {
        start(stdio("dead", OPTIONS, "--exit-at-start", "1"), stdio("alive", OPTIONS));
        assertThat(manager.status("alive").state()).isEqualTo(ServerState.READY);
        ServerStatus dead = manager.status("dead");
        assertThat(dead.state()).isIn(ServerState.BACKOFF, ServerState.CONNECTING);
        assertThat(dead.consecutiveErrors()).isPositive();
        assertThat(dead.lastError()).contains("exited with code 1")
                .as("a server's stderr may hold secrets: never in what clients can see").doesNotContain("exiting at start");
        assertThat(dead.lastErrorDetail()).contains("exited with code 1").contains("exiting at start with code 1");
        assertThat(text(echo("alive", "still here").join())).isEqualTo("still here");

        // whether it is between attempts or in the middle of one, the caller is told at once
        for (ServerState state : List.of(ServerState.BACKOFF, ServerState.CONNECTING)) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                    .until(() -> manager.status("dead").state() == state);
            long start = System.nanoTime();
            assertThatThrownBy(() -> manager.client("dead")).isInstanceOf(ServerUnavailableException.class)
                    .hasMessageContaining("\"dead\"")
                    .hasMessageContaining("state ")
                    .hasMessageContaining("exited with code 1")
                    .satisfies(e -> assertThat(((ServerUnavailableException) e).server()).isEqualTo("dead"));
            // not held until an attempt gives up (its connect timeout); real time: a real child process runs
            assertThat(millisSince(start)).as("client(\"dead\") while " + state)
                    .isLessThan(OPTIONS.connectTimeout().toMillis());
        }
        assertThat(manager.status("dead").state()).isNotEqualTo(ServerState.READY);
    }

    /**
     * A server that never manages to connect is retried in the background; a caller that arrives while a
     * retry is under way is told at once, not held until that attempt fails (up to its connect timeout).
     */
    @Test
    void callersDoNotWaitForTheRetriesOfAServerThatNeverConnected() {
        ServerOptions impatient = TestOptions.fast().connectTimeout(Duration.ofMillis(700)).requestTimeout(Duration.ofSeconds(5))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(100)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(500)).retries(2).lazy(false).build();
        start(stdio("late", impatient, "--start-delay", "5000"));
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.status("late").lastError() != null);
        assertThat(manager.status("late").lastError()).contains("initialize");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> manager.status("late").state() == ServerState.CONNECTING);
        int errorsBefore = manager.status("late").consecutiveErrors();
        assertThatThrownBy(() -> manager.client("late")).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("\"late\"").hasMessageContaining("state CONNECTING");
        // told at once, not after the attempt under way failed: that attempt has not ended yet (its failure
        // would have counted), so the caller cannot have waited for it
        assertThat(manager.status("late").state()).isEqualTo(ServerState.CONNECTING);
        assertThat(manager.status("late").consecutiveErrors()).isEqualTo(errorsBefore);
    }

    @Test
    void aHangingToolCallTimesOutNamingTheServerWhileTheConnectionStaysUp() throws Exception {
        ServerOptions shortTimeout = TestOptions.fast().connectTimeout(Duration.ofSeconds(15)).requestTimeout(Duration.ofMillis(500))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(500)).retries(2).lazy(false).build();
        start(stdio("stuck", shortTimeout, "--hang-tools"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> echo("stuck", "anyone?").join()).cause().isInstanceOf(McpException.class)
                .hasMessageContaining("\"stuck\"").hasMessageContaining("did not answer tools/call")
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(JsonRpc.REQUEST_TIMEOUT));
        assertThat(millisSince(start)).isBetween(450L, 2000L);
        // only tools hang: the connection is alive and the server still READY
        manager.client("stuck").ping(Duration.ofSeconds(2));
        assertThat(manager.status("stuck").state()).isEqualTo(ServerState.READY);
    }

    @Test
    void aTimedOutCallIsCancelledUpstream() {
        ServerOptions shortTimeout = TestOptions.fast().connectTimeout(Duration.ofSeconds(15)).requestTimeout(Duration.ofMillis(500))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(500)).retries(2).lazy(false).build();
        start(stdio("sleepy", shortTimeout));
        AtomicReference<PendingRequest> sent = new AtomicReference<>();
        ObjectNode params = Json.object().put("name", "sleep");
        params.putObject("arguments").put("ms", 60_000);
        CompletableFuture<JsonNode> call = manager.execute("sleepy", McpMethods.TOOLS_CALL, c -> {
            PendingRequest request = c.request(McpMethods.TOOLS_CALL, params);
            sent.set(request);
            return request.result();
        });
        assertThatThrownBy(call::join).cause().isInstanceOf(McpException.class).hasMessageContaining("\"sleepy\"")
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(JsonRpc.REQUEST_TIMEOUT));
        // the server's own record, asked over the same connection; the cancellation is sent just after the
        // caller is told, so it may trail the failure by a moment
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(callTool("sleepy", "cancellations", Json.object()).join()
                        .path("structuredContent").path("ids")).extracting(JsonNode::toString)
                        .containsExactly(sent.get().id().toString()));
    }

    @Test
    void theBreakerOpensOnTimeoutsFailsFastHalfOpensAndClosesWhenTheServerAnswersAgain() {
        // connectTimeout 5 s, request timeout 400 ms: the fault server answers JSON, so a hung call's POST gets
        // no headers at all; the timeout must still fire on time (the POST waits off the caller's thread)
        ServerOptions breaker = TestOptions.fast().connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofMillis(400))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(800)).retries(0).lazy(false).build();
        HttpFault hanging = track(FaultServer.startHttp(FaultServer.Options.builder().hangTools(true).build()));
        // the open duration runs on a fake clock; the request timeouts are the client's, in real time
        FakeScheduler clock = new FakeScheduler();
        ServerManager m = ServerManager.builder(ProxySettings.DEFAULTS)
                .servers(List.of(http("h", TransportKind.STREAMABLE_HTTP, hanging, breaker))).clientFactory(factory)
                .listener(recorder).scheduler(clock).build();
        managers.add(m);
        m.initialize();
        manager = m;

        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> echo("h", "hello").join()).cause().isInstanceOf(McpException.class)
                    .hasMessageContaining("\"h\"").hasMessageContaining("did not answer tools/call");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("timeout on time, not after connectTimeout")
                    .isLessThan(Duration.ofSeconds(3));
        }
        assertThat(manager.status("h").breaker()).isEqualTo(BreakerState.OPEN);
        await().atMost(Duration.ofSeconds(2)).until(() -> hanging.cancelledIds().size() == 3);

        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMillis(100)); // up to 500 of the 800 ms
            int at = 100 * (i + 1);
            assertThatThrownBy(() -> echo("h", "hello").join()).cause().isInstanceOf(ServerUnavailableException.class)
                    .hasMessageContaining("\"h\"").hasMessageContaining("circuit breaker OPEN")
                    .hasMessageContaining("half-opens in " + (800 - at) + " ms");
        }
        assertThat(hanging.requestCount("tools/call")).as("rejected calls never reach the server").isEqualTo(3);

        // the same server comes back on the same port, without the hang
        int port = hanging.port();
        hanging.stop();
        HttpFault healed = track(FaultServer.startHttp(FaultServer.Options.builder().port(port).build()));
        clock.advance(Duration.ofMillis(300));
        // the probe may find the old HTTP session or connection gone: then the breaker opens again and the next
        // open duration is advanced, until a probe gets through
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            boolean ok = echo("h", "back").handle((r, e) -> e == null).join();
            if (!ok) {
                clock.advance(breaker.breakerOpenDuration());
            }
            return ok;
        });
        assertThat(manager.status("h").breaker()).isEqualTo(BreakerState.CLOSED);
        assertThat(recorder.breaker).containsSubsequence("h: CLOSED -> OPEN", "h: OPEN -> HALF_OPEN", "h: HALF_OPEN -> CLOSED");
        assertThat(recorder.breaker.get(recorder.breaker.size() - 1)).isEqualTo("h: HALF_OPEN -> CLOSED");
        assertThat(healed.requestCount("tools/call")).isPositive();
    }

    @Test
    void aServerThatStopsAnsweringPingsGoesUnhealthyAndIsReconnected() {
        ServerOptions health = TestOptions.fast().connectTimeout(Duration.ofSeconds(15)).requestTimeout(Duration.ofMillis(500))
            .healthCheckInterval(Duration.ofMillis(300)).unhealthyAfter(2).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(500)).retries(2).lazy(false).build();
        start(stdio("mute", health, "--hang"));
        assertThat(manager.status("mute").state()).isEqualTo(ServerState.READY);
        long start = System.nanoTime();
        AtomicReference<ServerStatus> down = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
            ServerStatus s = manager.status("mute");
            down.set(s);
            return s.state() != ServerState.READY && s.consecutiveErrors() >= 2;
        });
        long unhealthyMs = millisSince(start);
        assertThat(down.get().lastError()).contains("ping");
        assertThatThrownBy(() -> manager.client("mute")).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("\"mute\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.status("mute").reconnects() >= 1);
        System.out.println("FIGURE: --hang: left READY " + unhealthyMs + " ms after start (interval 300 ms, "
                + "unhealthyAfter 2), READY again after " + millisSince(start) + " ms");
        assertThat(recorder.transitions).containsSubsequence("mute: READY -> UNHEALTHY", "mute: UNHEALTHY -> BACKOFF",
                "mute: BACKOFF -> CONNECTING", "mute: CONNECTING -> READY");
    }

    @Test
    void aStreamableHttpServerThatForgetsItsSessionsIsReinitializedTransparently() {
        HttpFault server = track(FaultServer.startHttp(FaultServer.Options.defaults()));
        start(http("web", TransportKind.STREAMABLE_HTTP, server, OPTIONS));
        assertThat(text(echo("web", "before").join())).isEqualTo("before");
        assertThat(server.initializeCount()).isEqualTo(1);

        server.forgetSessions();
        assertThat(text(echo("web", "after").join())).isEqualTo("after");
        assertThat(server.initializeCount()).isEqualTo(2);
        assertThat(server.sessionIds()).hasSize(1);
        ServerStatus status = manager.status("web");
        assertThat(status.state()).isEqualTo(ServerState.READY);
        assertThat(status.reconnects()).as("a new session, not a new connection").isZero();
        assertThat(status.breaker()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void aStreamableHttpServerRestartedOnItsPortIsReconnected() {
        HttpFault server = track(FaultServer.startHttp(FaultServer.Options.defaults()));
        start(http("web", TransportKind.STREAMABLE_HTTP, server, OPTIONS));
        assertThat(text(echo("web", "before").join())).isEqualTo("before");

        server.stop();
        long start = System.nanoTime();
        assertThatThrownBy(() -> echo("web", "while down").get(2, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("'web'");
        long refusedMs = millisSince(start);

        server.restart();
        long restartedAt = System.nanoTime();
        // the failed call took the server out of READY; it is back once a reconnect attempt finds the port open
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.status("web").state() == ServerState.READY);
        assertThat(text(echo("web", "after").join())).isEqualTo("after");
        long recoveredMs = millisSince(restartedAt);
        System.out.println("FIGURE: http restart recovery " + recoveredMs + " ms (first call after the restart, "
                + "with the new session; a call while the port was closed failed after " + refusedMs + " ms)");
        assertThat(server.initializeCount()).isEqualTo(2);
        ServerStatus status = manager.status("web");
        assertThat(status.state()).isEqualTo(ServerState.READY);
        assertThat(status.breaker()).isEqualTo(BreakerState.CLOSED);
        assertThat(text(echo("web", "again").join())).isEqualTo("again");
    }

    /**
     * Issue 9 item 6: a stopped Streamable HTTP upstream refuses connections while its transport still says open.
     * The first failed call is a state change at once (not after three failed pings), and the next call is told
     * the server's state and last error instead of reaching a dead connection.
     */
    @Test
    void aStoppedHttpServerLeavesReadyAtTheFirstFailedCall() {
        HttpFault server = track(FaultServer.startHttp(FaultServer.Options.defaults()));
        ServerOptions slowRetry = dev.dynamicmcp.testsupport.TestOptions.fast().connectTimeout(Duration.ofSeconds(15))
                .requestTimeout(Duration.ofSeconds(5)).backoff(Duration.ofSeconds(30), Duration.ofSeconds(30)).build();
        start(http("web", TransportKind.STREAMABLE_HTTP, server, slowRetry));
        assertThat(text(echo("web", "before").join())).isEqualTo("before");

        server.stop();
        assertThatThrownBy(() -> echo("web", "while down").join()).cause().isNotInstanceOf(ServerUnavailableException.class);
        assertThat(manager.status("web").state()).isNotEqualTo(ServerState.READY);
        assertThat(recorder.transitions).contains("web: READY -> BACKOFF");
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.status("web").state() == ServerState.BACKOFF);
        assertThatThrownBy(() -> echo("web", "again").join()).cause().isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("server \"web\"").hasMessageContaining("state BACKOFF")
                .hasMessageContaining("last error");
    }

    @Test
    void aUrlWithoutTransportFallsBackToLegacySse() {
        HttpFault legacy = track(FaultServer.startSse(FaultServer.Options.defaults()));
        start(http("old", TransportKind.HTTP_AUTO, legacy, OPTIONS));
        assertThat(manager.status("old").state()).isEqualTo(ServerState.READY);
        assertThat(manager.client("old").transport()).isInstanceOf(dev.dynamicmcp.transport.SseTransport.class);
        assertThat(text(echo("old", "over sse").join())).isEqualTo("over sse");
        assertThat(legacy.initializeCount()).isEqualTo(1);
        assertThat(legacy.requestCount("tools/call")).isEqualTo(1);
    }

    /**
     * A Streamable HTTP server that answers initialize with 404 sends the client to legacy SSE (the spec's
     * fallback rule); this one speaks no legacy SSE either, so the server is down with an error that says both.
     */
    @Test
    void aUrlWithoutTransportWhoseInitializeGets404TriesLegacySseAndReportsWhyBothFailed() {
        HttpFault refusing = track(FaultServer.startHttp(FaultServer.Options.builder().rejectInitialize(404).build()));
        HttpFault fine = track(FaultServer.startHttp(FaultServer.Options.defaults()));
        start(http("refusing", TransportKind.HTTP_AUTO, refusing, OPTIONS), http("fine", TransportKind.HTTP_AUTO, fine, OPTIONS));
        assertThat(manager.status("fine").state()).isEqualTo(ServerState.READY);
        ServerStatus status = manager.status("refusing");
        assertThat(status.state()).isNotEqualTo(ServerState.READY);
        assertThat(status.lastError()).contains("refusing").contains("HTTP 404").contains("legacy SSE")
                .contains("HTTP 400");
        assertThatThrownBy(() -> manager.client("refusing")).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("HTTP 404");
        assertThat(refusing.requestCount("initialize")).isPositive();
        assertThat(refusing.initializeCount()).isZero();
    }

    @Test
    void concurrentSlowCallsShareOneStdioConnection() {
        start(stdio("slow", OPTIONS, "--slow", "300"));
        long start = System.nanoTime();
        List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(echo("slow", "call " + i));
        }
        for (int i = 0; i < 10; i++) {
            assertThat(text(calls.get(i).join())).isEqualTo("call " + i);
        }
        long tookMs = millisSince(start);
        System.out.println("FIGURE: 10 concurrent calls to a --slow 300 stdio server took " + tookMs + " ms");
        assertThat(tookMs).isBetween(300L, 1500L);
    }

    @Test
    void hugeResponsesArriveIntactOverStdioAndHttp() {
        int bytes = 8_000_000;
        ServerOptions patient = TestOptions.fast().connectTimeout(Duration.ofSeconds(15)).requestTimeout(Duration.ofSeconds(30))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(500)).retries(2).lazy(false).build();
        HttpFault server = track(FaultServer.startHttp(FaultServer.Options.defaults()));
        start(stdio("big-stdio", patient), http("big-http", TransportKind.STREAMABLE_HTTP, server, patient));
        for (String name : List.of("big-stdio", "big-http")) {
            long start = System.nanoTime();
            String text = text(callTool(name, "huge", Json.object().put("bytes", bytes)).join());
            System.out.println("FIGURE: " + bytes + "-byte response over " + name + " in " + millisSince(start) + " ms");
            assertThat(text).hasSize(bytes);
            assertThat(text.chars().allMatch(c -> c == 'x')).isTrue();
            assertThat(text(echo(name, "after").join())).isEqualTo("after");
        }
    }

    @Test
    void serversStartInParallel() {
        long start = System.nanoTime();
        ServerManager single = start(stdio("one", OPTIONS, "--start-delay", "1500"));
        long singleMs = millisSince(start);
        assertThat(single.status("one").state()).isEqualTo(ServerState.READY);

        start = System.nanoTime();
        start(stdio("a", OPTIONS, "--start-delay", "1500"), stdio("b", OPTIONS, "--start-delay", "1500"),
                stdio("c", OPTIONS, "--start-delay", "1500"));
        long threeMs = millisSince(start);
        System.out.println("FIGURE: parallel start of 3 stdio servers with --start-delay 1500: " + threeMs
                + " ms; one alone: " + singleMs + " ms");
        assertThat(manager.status()).extracting(ServerStatus::state).containsOnly(ServerState.READY);
        // parallel, whatever the machine's load: every connect began before any of the three was ready (one after
        // the other, a 1.5 s start each, would put a READY between them)
        List<String> transitions = recorder.transitions.stream()
                .filter(t -> t.startsWith("a:") || t.startsWith("b:") || t.startsWith("c:")).toList();
        int firstReady = transitions.indexOf(transitions.stream().filter(t -> t.endsWith("-> READY")).findFirst()
                .orElseThrow());
        assertThat(transitions.subList(0, firstReady)).filteredOn(t -> t.endsWith("-> CONNECTING"))
                .as("connects begun before the first READY, in %s", transitions).hasSize(3);
    }
}
