package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.discovery.Discoverer;
import dev.dynamicmcp.discovery.DiscoveryResult;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.testsupport.FakeScheduler;
import dev.dynamicmcp.testsupport.LogCapture;
import dev.dynamicmcp.testsupport.TestOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The manager's logic against in-memory upstreams: no processes, no sockets. Time is a {@link FakeScheduler}:
 * backoff, health checks, breaker delays and the drain bound are driven by advancing it. Request timeouts are
 * the client's own (real time, short); connects run on real virtual threads, so their ends are awaited.
 */
class ServerManagerTest {
    static final ServerOptions FAST = TestOptions.fast().build();

    final FakeUpstream upstream = new FakeUpstream();
    final RecordingListener recorder = new RecordingListener();
    final FakeScheduler clock = new FakeScheduler();
    ServerManager manager;

    static ServerConfig server(String name) {
        return ServerConfig.stdio(name, "fake", List.of()).withOptions(FAST);
    }

    static ServerConfig server(String name, ServerOptions options) {
        return ServerConfig.stdio(name, "fake", List.of()).withOptions(options);
    }

    static ServerConfig isolated(String name) {
        return new ServerConfig(name, server(name).transport(), "fake", List.of(), null, null, null, null, false,
                Isolation.SESSION, null, FAST);
    }

    ServerManager start(ServerConfig... servers) {
        manager = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(servers)).clientFactory(upstream)
                .listener(recorder).scheduler(clock).build();
        manager.addServerListener(recorder);
        manager.initialize();
        return manager;
    }

    @AfterEach
    void shutdown() {
        if (manager != null) {
            manager.shutdown(Duration.ofSeconds(5));
        }
        clock.close();
    }

    CompletableFuture<JsonNode> callTool(String server, String tool) {
        return manager.execute(server, McpMethods.TOOLS_CALL,
                c -> c.request(McpMethods.TOOLS_CALL, Json.object().put("name", tool)).result());
    }

    CompletableFuture<JsonNode> callTool(String server, String session, String tool) {
        return manager.execute(server, session, McpMethods.TOOLS_CALL,
                c -> c.request(McpMethods.TOOLS_CALL, Json.object().put("name", tool)).result());
    }

    void advanceMillis(long millis) {
        clock.advance(Duration.ofMillis(millis));
    }

    @Test
    void oneFailingServerNeverFailsTheOthersAndIsReportedWithItsError() {
        upstream.knobs("bad").refuseConnects.set(true);
        start(server("a"), server("b"), server("bad"));

        assertThat(manager.status("a").state()).isEqualTo(ServerState.READY);
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);
        ServerStatus bad = manager.status("bad");
        assertThat(bad.state()).isEqualTo(ServerState.BACKOFF);
        assertThat(bad.lastError()).contains("connection refused");
        assertThatThrownBy(() -> manager.client("bad"))
                .isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("server \"bad\"")
                .hasMessageContaining("state BACKOFF")
                .hasMessageContaining("connection refused")
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(JsonRpc.SERVER_UNAVAILABLE));
        // refused without waiting: no connect attempt was made for the caller, the retry waits for its timer
        assertThat(upstream.connects("bad")).isEqualTo(1);
        assertThat(clock.pending()).containsExactly("mcp-reconnect-bad");
        assertThat(callTool("a", "echo").join().path("server").asText()).isEqualTo("a");
    }

    @Test
    void initializeConnectsInParallel() {
        // each connect waits at a gate until all four are connecting at once: a serial start never gets through
        CountDownLatch gate = new CountDownLatch(4);
        for (String name : List.of("a", "b", "c", "d")) {
            upstream.knobs(name).connectGate = gate;
        }
        start(server("a"), server("b"), server("c"), server("d"));
        assertThat(manager.status()).extracting(ServerStatus::state).containsOnly(ServerState.READY);
    }

    @Test
    void failedConnectsBackOffExponentiallyThenSucceedAndReset() {
        upstream.knobs("a").failConnects.set(3);
        start(server("a"));
        // 50, 100, 200 ms (the fake's random is 0.5: no jitter); no attempt a millisecond early
        for (int attempt = 1; attempt <= 3; attempt++) {
            long delay = 50L << (attempt - 1);
            int connects = attempt;
            await().until(() -> upstream.connects("a") == connects && clock.nextDelay() != null);
            assertThat(manager.status("a").state()).isEqualTo(ServerState.BACKOFF);
            assertThat(clock.nextDelay()).isEqualTo(Duration.ofMillis(delay));
            advanceMillis(delay - 1);
            assertThat(upstream.connects("a")).as("no reconnect before " + (delay - 1) + " ms").isEqualTo(connects);
            advanceMillis(1);
            await().until(() -> upstream.connects("a") == connects + 1);
        }
        await().until(() -> manager.status("a").state() == ServerState.READY);
        assertThat(recorder.reconnectDelays).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100),
                Duration.ofMillis(200));
        assertThat(manager.status("a").consecutiveErrors()).isZero();
        assertThat(recorder.transitions).containsSubsequence("a: NEW -> CONNECTING", "a: CONNECTING -> BACKOFF",
                "a: BACKOFF -> CONNECTING", "a: CONNECTING -> READY");
    }

    @Test
    void aServerWaitingForSignInIsAskedOnlyAtTheMaxBackoffAndConnectsAtOnceWhenTheSignInCompletes() {
        upstream.knobs("a").needsSignIn.set(true);
        start(server("a"));

        assertThat(manager.status("a").state()).isEqualTo(ServerState.BACKOFF);
        assertThat(manager.status("a").lastError()).contains("needs sign-in");
        for (int attempt = 1; attempt <= 2; attempt++) {
            int connects = attempt;
            await().until(() -> upstream.connects("a") == connects && clock.nextDelay() != null);
            assertThat(clock.nextDelay()).as("the cap (400 ms), not 50 then 100").isEqualTo(Duration.ofMillis(400));
            advanceMillis(400);
        }
        await().until(() -> upstream.connects("a") == 3 && clock.nextDelay() != null);

        upstream.knobs("a").needsSignIn.set(false);
        manager.connectNow("a", "signed in");
        await().until(() -> manager.status("a").state() == ServerState.READY);
        assertThat(upstream.connects("a")).isEqualTo(4);
        assertThat(clock.pending()).doesNotContain("mcp-reconnect-a");
        manager.connectNow("a", "signed in again"); // READY: nothing to do
        assertThat(upstream.connects("a")).isEqualTo(4);
    }

    @Test
    void backoffJitterSpreadsTheDelayAndTheCapHolds() {
        clock.random(() -> 0.0); // the low end: -20%
        upstream.knobs("a").refuseConnects.set(true);
        start(server("a"));
        assertThat(clock.nextDelay()).isEqualTo(Duration.ofMillis(40));
        for (int i = 0; i < 5; i++) {
            int connects = upstream.connects("a");
            clock.advance(clock.nextDelay());
            await().until(() -> upstream.connects("a") == connects + 1 && clock.nextDelay() != null);
        }
        // 40, 80, 160, 320, then capped at 400 ms and spread down to 320
        assertThat(recorder.reconnectDelays).extracting(Duration::toMillis).containsExactly(40L, 80L, 160L, 320L, 320L, 320L);
    }

    @Test
    void unhealthyAfterNFailedPingsThenReconnected() {
        start(server("a"));
        FakeUpstream.FakeTransport first = upstream.current("a");
        upstream.knobs("a").rejectPings.set(true);

        assertThat(manager.checkServer("a").consecutiveErrors()).isEqualTo(1);
        ServerStatus second = manager.checkServer("a");
        assertThat(second.state()).isEqualTo(ServerState.READY);
        assertThat(second.consecutiveErrors()).isEqualTo(2);
        ServerStatus third = manager.checkServer("a");
        // the third failed ping (unhealthyAfter 3) drops the connection; the reconnect waits for its backoff timer
        assertThat(third.state()).isEqualTo(ServerState.BACKOFF);
        assertThat(recorder.transitions).containsSubsequence("a: READY -> UNHEALTHY", "a: UNHEALTHY -> BACKOFF");
        assertThat(first.closed).isTrue();
        assertThat(recorder.events).anySatisfy(e -> assertThat(e).isInstanceOf(ServerEvent.Down.class));

        upstream.knobs("a").rejectPings.set(false);
        advanceMillis(49);
        assertThat(manager.status("a").state()).isEqualTo(ServerState.BACKOFF);
        advanceMillis(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> manager.status("a").state() == ServerState.READY);
        assertThat(upstream.current("a")).isNotSameAs(first);
        assertThat(manager.checkServer("a").consecutiveErrors()).isZero();
        assertThat(manager.status("a").reconnects()).isEqualTo(1);
    }

    @Test
    void periodicHealthChecksPingAtTheIntervalAndFindADeafServer() {
        ServerOptions pinging = TestOptions.fast().healthCheckInterval(Duration.ofSeconds(30)).unhealthyAfter(2).build();
        start(server("a", pinging));
        upstream.knobs("a").rejectPings.set(true);
        advanceMillis(29_999);
        assertThat(clock.fired()).as("no ping before 30 s").isEmpty();
        assertThat(manager.status("a").lastCheck()).isNull();
        advanceMillis(1);
        assertThat(clock.fired()).containsExactly("mcp-health-a");
        ServerStatus once = manager.status("a");
        assertThat(once.state()).isEqualTo(ServerState.READY);
        assertThat(once.consecutiveErrors()).isEqualTo(1);
        assertThat(once.lastCheck()).isEqualTo(clock.now());

        advanceMillis(30_000);
        assertThat(recorder.transitions).containsSubsequence("a: READY -> UNHEALTHY", "a: UNHEALTHY -> BACKOFF");
        assertThat(manager.status("a").state()).isEqualTo(ServerState.BACKOFF);

        upstream.knobs("a").rejectPings.set(false);
        advanceMillis(50);
        await().atMost(Duration.ofSeconds(5)).until(() -> manager.status("a").state() == ServerState.READY);
        advanceMillis(30_000);
        assertThat(manager.status("a").consecutiveErrors()).isZero();
        assertThat(manager.status("a").lastCheck()).isEqualTo(clock.now());
    }

    @Test
    void aDeadConnectionReconnectsAtOnceAndCallsInFlightFailFast() {
        start(server("a"));
        upstream.knobs("a").hangCalls.set(true);
        CompletableFuture<JsonNode> inFlight = callTool("a", "slow");
        await().until(() -> upstream.current("a").toolCalls.get() == 1);
        upstream.knobs("a").hangCalls.set(false);

        upstream.current("a").die();
        assertThatThrownBy(() -> inFlight.get(2, TimeUnit.SECONDS)).hasCauseInstanceOf(McpException.class)
                .satisfies(e -> assertThat(((McpException) e.getCause()).code()).isEqualTo(JsonRpc.CONNECTION_CLOSED));
        // at once: no timer is involved, the clock never moves
        await().atMost(Duration.ofSeconds(2)).until(() -> manager.status("a").state() == ServerState.READY
                && manager.status("a").reconnects() == 1);
        assertThat(clock.fired()).isEmpty();
        assertThat(callTool("a", "echo").join().path("server").asText()).isEqualTo("a");
        assertThat(recorder.events).extracting(e -> e.getClass().getSimpleName())
                .containsSubsequence("Ready", "Down", "Ready");
        assertThat(recorder.reconnectDelays).first().isEqualTo(Duration.ZERO);
    }

    /** Issue 9 item 6: a call that fails to reach the server is a lost connection, even when the transport looks open. */
    @Test
    void aCallThatCannotReachTheServerTakesItOutOfReadyAtOnce() {
        upstream.knobs("a").failConnects.set(0);
        start(server("a"));
        FakeUpstream.FakeTransport first = upstream.current("a");
        upstream.knobs("a").refuseConnects.set(true);
        McpException refused = McpException.local(JsonRpc.CONNECTION_CLOSED, "Connection refused", null);
        assertThatThrownBy(() -> manager.execute("a", McpMethods.TOOLS_CALL, c -> CompletableFuture.failedFuture(refused))
                .join()).hasCause(refused);
        assertThat(first.closed).as("the transport said open; the failed call closed it").isTrue();
        await().until(() -> manager.status("a").state() == ServerState.BACKOFF);
        assertThatThrownBy(() -> callTool("a", "echo").join()).cause().isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("server \"a\"").hasMessageContaining("state BACKOFF")
                .hasMessageContaining("connection refused");
        assertThat(recorder.transitions).containsSubsequence("a: CONNECTING -> READY", "a: READY -> BACKOFF");
    }

    @Test
    void anErrorAnswerIsNotAFailureButTimeoutsOpenTheBreakerWhichFailsFastHalfOpensAndCloses() {
        start(server("a", TestOptions.fast().requestTimeout(Duration.ofMillis(100)).build()));
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> callTool("a", "unknown").join()).hasMessageContaining("unknown tool");
        }
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.CLOSED);

        upstream.knobs("a").hangCalls.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> callTool("a", "slow").join()).hasMessageContaining("did not answer");
        }
        await().atMost(Duration.ofSeconds(1)).until(() -> upstream.current("a").cancellations.get() == 3);
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.OPEN);
        assertThatThrownBy(() -> callTool("a", "x").join()).hasCauseInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("circuit breaker OPEN").hasMessageContaining("half-opens in 300 ms");
        int sent = upstream.current("a").toolCalls.get();
        upstream.knobs("a").hangCalls.set(false);

        advanceMillis(299);
        assertThatThrownBy(() -> callTool("a", "x").join()).hasMessageContaining("half-opens in 1 ms");
        assertThat(upstream.current("a").toolCalls.get()).as("rejected calls never reach the server").isEqualTo(sent);
        advanceMillis(1);
        assertThat(callTool("a", "probe").join().path("server").asText()).isEqualTo("a");
        assertThat(upstream.current("a").toolCalls.get()).isEqualTo(sent + 1);
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.CLOSED);
        assertThat(recorder.breaker).containsExactly("a: CLOSED -> OPEN", "a: OPEN -> HALF_OPEN", "a: HALF_OPEN -> CLOSED");
        assertThat(recorder.calls).contains("a tools/call ERROR_ANSWER", "a tools/call TIMEOUT", "a tools/call REJECTED");
    }

    /** Regression: a cancelled half-open probe used to keep its permit, refusing every later call forever. */
    @Test
    void aCancelledHalfOpenProbeDoesNotWedgeTheBreaker() {
        start(server("a", TestOptions.fast().requestTimeout(Duration.ofMillis(100)).build()));
        upstream.knobs("a").hangCalls.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> callTool("a", "slow").join()).hasMessageContaining("did not answer");
        }
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.OPEN);

        advanceMillis(300);
        AtomicReference<PendingRequest> probe = new AtomicReference<>();
        CompletableFuture<JsonNode> probing = manager.execute("a", McpMethods.TOOLS_CALL, c -> {
            probe.set(c.request(McpMethods.TOOLS_CALL, Json.object().put("name", "slow")));
            return probe.get().result();
        });
        assertThat(probe.get()).as("the first call after the open duration is the probe").isNotNull();
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.HALF_OPEN);
        assertThatThrownBy(() -> callTool("a", "x").join()).as("one probe at a time")
                .hasMessageContaining("a probe call is under way");
        probe.get().cancel("the user pressed stop");
        assertThatThrownBy(probing::join).hasCauseInstanceOf(CancellationException.class);
        assertThat(manager.status("a").breaker()).as("opens again, to probe anew").isEqualTo(BreakerState.OPEN);

        upstream.knobs("a").hangCalls.set(false);
        advanceMillis(300);
        assertThat(callTool("a", "probe").join().path("server").asText()).isEqualTo("a");
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void idempotentRequestsAreRetriedButToolCallsNeverAre() {
        start(server("a"), server("b"));
        AtomicInteger listAttempts = new AtomicInteger();
        AtomicInteger callAttempts = new AtomicInteger();
        McpException timeout = McpException.local(JsonRpc.REQUEST_TIMEOUT, "no answer", null);
        assertThatThrownBy(() -> manager.execute("a", McpMethods.TOOLS_LIST, c -> {
            listAttempts.incrementAndGet();
            return CompletableFuture.failedFuture(timeout);
        }).join()).hasCause(timeout);
        assertThatThrownBy(() -> manager.execute("b", McpMethods.TOOLS_CALL, c -> {
            callAttempts.incrementAndGet();
            return CompletableFuture.failedFuture(timeout);
        }).join()).hasCause(timeout);
        assertThat(listAttempts).hasValue(1 + FAST.retries());
        assertThat(callAttempts).hasValue(1);
    }

    @Test
    void aRetryAfterALostConnectionWaitsForTheReconnectUnderWay() {
        start(server("a"));
        FakeUpstream.FakeTransport first = upstream.current("a");
        AtomicInteger attempts = new AtomicInteger();
        McpException closed = McpException.local(JsonRpc.CONNECTION_CLOSED, "stream broke", null);
        JsonNode listed = manager.execute("a", McpMethods.TOOLS_LIST, c -> attempts.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(closed)
                : CompletableFuture.completedFuture((JsonNode) Json.object().put("on", c.transport().describe()))).join();
        assertThat(attempts).hasValue(2);
        assertThat(first.closed).isTrue();
        assertThat(listed.path("on").asText()).isEqualTo("fake: a");
        assertThat(manager.status("a").reconnects()).isEqualTo(1);
    }

    @Test
    void lazyServersConnectOnFirstUse() {
        start(server("eager"), server("lazy", TestOptions.fast().lazy(true).build()));
        assertThat(manager.status("lazy").state()).isEqualTo(ServerState.NEW);
        assertThat(upstream.connects("lazy")).isZero();
        assertThat(new Discoverer(manager).discoverAll()).filteredOn(r -> r.server().equals("lazy")).singleElement()
                .satisfies(r -> assertThat(r.error()).contains("lazy"));

        assertThat(manager.client("lazy").isOpen()).isTrue();
        assertThat(manager.status("lazy").state()).isEqualTo(ServerState.READY);
        assertThat(upstream.connects("lazy")).isEqualTo(1);
    }

    @Test
    void disabledServersNeverConnect() {
        ServerConfig off = new ServerConfig("off", server("off").transport(), "fake", List.of(), null, null, null,
                null, true, null, null, FAST);
        start(server("a"), off);
        assertThat(manager.status("off").state()).isEqualTo(ServerState.DISABLED);
        assertThatThrownBy(() -> manager.client("off")).hasMessageContaining("disabled");
        assertThat(upstream.connects("off")).isZero();
    }

    @Test
    void discoverAllListsEveryServerInParallelAndReportsFailures() {
        upstream.knobs("b").tools = 5;
        upstream.knobs("bad").refuseConnects.set(true);
        start(server("a"), server("b"), server("bad"));
        List<DiscoveryResult> results = new Discoverer(manager).discoverAll();
        assertThat(results).extracting(DiscoveryResult::server).containsExactly("a", "b", "bad");
        assertThat(results.get(0).tools()).hasSize(2);
        assertThat(results.get(1).tools()).extracting(t -> t.path("name").asText()).contains("tool4");
        assertThat(results.get(1).info().serverInfo().path("name").asText()).isEqualTo("b");
        assertThat(results.get(1).prompts()).isEmpty();
        assertThat(results.get(2).ok()).isFalse();
        assertThat(results.get(2).error()).contains("bad");
        assertThat(manager.status("b").toolCount()).isEqualTo(5);
    }

    @Test
    void theManagerOwnsTheConfigsAndTheirOrder() {
        start(server("zeta"), server("alpha"), server("mid"));
        assertThat(manager.configs()).extracting(ServerConfig::name).containsExactly("zeta", "alpha", "mid");
        manager.add(server("new")).join();
        manager.replace(server("zeta", TestOptions.fast().retries(0).build())).join();
        assertThat(manager.configs()).extracting(ServerConfig::name).containsExactly("zeta", "alpha", "mid", "new");
        assertThat(manager.config("zeta")).get().extracting(c -> c.options().retries()).isEqualTo(0);
        assertThat(manager.order("zeta")).isLessThan(manager.order("alpha"));
        assertThat(manager.order("new")).isGreaterThan(manager.order("mid"));
        manager.remove("alpha");
        assertThat(manager.config("alpha")).isEmpty();
        assertThat(manager.order("alpha")).isEqualTo(Integer.MAX_VALUE);
        assertThat(manager.configs()).extracting(ServerConfig::name).containsExactly("zeta", "mid", "new");
    }

    @Test
    void anyConfigAsksTheServersConfiguredNow() {
        start(server("plain"), isolated("own"));
        assertThat(manager.anyConfig(c -> c.isolation() == Isolation.SESSION)).isTrue();
        assertThat(manager.anyConfig(c -> c.name().equals("gone"))).isFalse();
        manager.remove("own");
        assertThat(manager.anyConfig(c -> c.isolation() == Isolation.SESSION))
                .as("the removed isolated server no longer counts").isFalse();
        manager.add(isolated("later")).join();
        assertThat(manager.anyConfig(c -> c.isolation() == Isolation.SESSION)).isTrue();
    }

    /** Asked per session and on error paths: found from the configured servers, not from every connection. */
    @Test
    void readyServersAndStatusesAmongTheSessionsOwnConnections() {
        upstream.knobs("bad").refuseConnects.set(true);
        start(server("zeta"), isolated("own"), server("bad"), isolated("other"));
        callTool("own", "s1", "echo").join();
        callTool("own", "s2", "echo").join();
        callTool("other", "s1", "echo").join();

        assertThat(manager.readyServers()).as("READY ones, in config order").containsExactly("zeta", "own", "other");
        assertThat(manager.status()).extracting(ServerStatus::name, ServerStatus::isolatedSessions)
                .containsExactly(tuple("bad", 0), tuple("other", 1), tuple("own", 2), tuple("zeta", 0));
        assertThat(manager.status("own").isolatedSessions()).isEqualTo(2);
        assertThat(manager.configs()).extracting(ServerConfig::name).containsExactly("zeta", "own", "bad", "other");

        manager.closeIsolated("s1");
        assertThat(manager.status()).extracting(ServerStatus::isolatedSessions).containsExactly(0, 0, 1, 0);
    }

    @Test
    void replaceDrainsTheOldConnectionUntilItsCallsEndOrTheBoundPasses() throws Exception {
        ServerOptions patient = TestOptions.fast().requestTimeout(Duration.ofSeconds(30)).build();
        start(server("a"), server("b", patient));
        FakeUpstream.FakeTransport oldB = upstream.current("b");
        upstream.knobs("b").hangCalls.set(true);
        CompletableFuture<JsonNode> draining = callTool("b", "slow");
        await().until(() -> oldB.toolCalls.get() == 1);

        CompletableFuture<Void> replaced = manager.replace(server("b", patient));
        await().until(() -> clock.pending().contains("mcp-drain-b"));
        assertThat(upstream.connects("b")).as("the new connection starts while the old one drains").isEqualTo(2);
        // the bound is min(request timeout, 10 s)
        advanceMillis(9_999);
        assertThat(replaced).isNotDone();
        assertThat(oldB.closed).isFalse();
        advanceMillis(1);
        replaced.get(5, TimeUnit.SECONDS);
        assertThat(oldB.closed).isTrue();
        assertThat(draining).failsWithin(Duration.ofSeconds(2)).withThrowableOfType(Exception.class)
                .withMessageContaining("closed");
        assertThat(upstream.current("b")).isNotSameAs(oldB);
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);

        // without calls in flight there is nothing to wait for
        upstream.knobs("b").hangCalls.set(false);
        FakeUpstream.FakeTransport secondB = upstream.current("b");
        manager.replace(server("b")).get(5, TimeUnit.SECONDS);
        assertThat(secondB.closed).isTrue();
    }

    /** Issue 9 item 5: a reload must not wait for a connect, and a superseded attempt must not live on. */
    @Test
    void addReturnsOnceRegisteredAndAReplaceOrRemoveWhileConnectingCancelsTheAttempt() throws Exception {
        start(server("a"));
        try (LogCapture log = LogCapture.of(ConnectionPool.class)) {
            upstream.knobs("b").connectDelay = Duration.ofSeconds(30); // a real sleep, only an interrupt ends it early
            long before = System.nanoTime();
            CompletableFuture<Void> added = manager.add(server("b"));
            assertThat(Duration.ofNanos(System.nanoTime() - before)).as("add waits for no connect")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(added).isNotDone();
            assertThat(manager.status("b").state()).isEqualTo(ServerState.CONNECTING);

            upstream.knobs("b").connectDelay = Duration.ZERO;
            manager.replace(server("b")).get(5, TimeUnit.SECONDS);
            added.get(5, TimeUnit.SECONDS); // the superseded attempt ended now, not after its 30 s
            assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);
            assertThat(manager.status("b").lastError()).isNull();

            upstream.knobs("c").connectDelay = Duration.ofSeconds(30);
            CompletableFuture<Void> addedC = manager.add(server("c"));
            assertThat(manager.remove("c")).as("a removal right after an add finds the server").isTrue();
            addedC.get(5, TimeUnit.SECONDS);
            assertThat(manager.status("c")).isNull();
            assertThat(upstream.transports).noneMatch(t -> t.server.equals("c"));

            // (the superseded attempt ended: `added` completed; whether it was still in the fake's connect, and so
            // logs "connect attempt abandoned", or had not started yet is a race; either way it is no failure)
            assertThat(log.lines()).as("a cancelled attempt is not the server's failure")
                    .noneMatch(line -> line.startsWith("WARN") && line.contains("connect failed"));
        }
    }

    /** Issue 9 item 9: an open breaker showed consecutiveErrors 0 and no last error. */
    @Test
    void anOpenBreakerShowsTheFailuresThatOpenedIt() {
        start(server("a", TestOptions.fast().requestTimeout(Duration.ofMillis(100)).build()));
        upstream.knobs("a").hangCalls.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> callTool("a", "slow").join()).hasMessageContaining("did not answer");
        }
        ServerStatus status = manager.status("a");
        assertThat(status.breaker()).isEqualTo(BreakerState.OPEN);
        assertThat(status.consecutiveErrors()).isEqualTo(3);
        assertThat(status.lastError()).contains("did not answer");
    }

    @Test
    void addReplaceAndRemoveAtRuntime() {
        start(server("a"));
        manager.add(server("b")).join();
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);
        assertThatThrownBy(() -> manager.add(server("b"))).isInstanceOf(IllegalArgumentException.class);

        FakeUpstream.FakeTransport oldB = upstream.current("b");
        upstream.knobs("b").hangCalls.set(true);
        CompletableFuture<JsonNode> draining = callTool("b", "slow");
        await().until(() -> oldB.toolCalls.get() == 1);
        manager.replace(server("b")).join();
        // the old connection was kept until the in-flight call ended on its own 500 ms timeout, not cut by close
        // (the call's bookkeeping ends a moment before its future completes: allow that moment, no more)
        assertThat(draining).failsWithin(Duration.ofSeconds(2)).withThrowableThat()
                .withMessageContaining("did not answer");
        assertThat(oldB.closed).isTrue();
        assertThat(upstream.current("b")).isNotSameAs(oldB);
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);

        assertThat(manager.remove("a")).isTrue();
        assertThat(manager.remove("a")).isFalse();
        assertThat(manager.status("a")).isNull();
        // unregistered at once; the client drains and closes in the background
        await().until(() -> upstream.current("a").closed.get());
        assertThat(recorder.events).contains(new ServerEvent.Removed("a"));
        assertThatThrownBy(() -> manager.client("a")).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("no server named \"a\"");
    }

    @Test
    void eachDownstreamSessionOfAnIsolatedServerGetsItsOwnConnectionWithBreakerAndStatus() {
        start(isolated("iso"), server("shared"));
        assertThat(callTool("iso", "s1", "echo").join().path("server").asText()).isEqualTo("iso");
        callTool("iso", "s1", "echo").join();
        callTool("iso", "s2", "echo").join();
        callTool("shared", "s1", "echo").join(); // a shared server ignores the key
        assertThat(upstream.isolationKeys).containsExactly(null, null, "s1", "s2");
        assertThat(manager.status("iso").isolatedSessions()).isEqualTo(2);
        assertThat(manager.status("shared").isolatedSessions()).isZero();
        assertThat(manager.status("iso", "s1").state()).isEqualTo(ServerState.READY);
        assertThat(recorder.calls).contains("iso tools/call SUCCESS");

        McpException timeout = McpException.local(JsonRpc.REQUEST_TIMEOUT, "no answer", null);
        for (int i = 0; i < 3; i++) {
            manager.execute("iso", "s1", McpMethods.TOOLS_CALL, c -> CompletableFuture.failedFuture(timeout))
                    .exceptionally(e -> null).join();
        }
        assertThat(manager.status("iso", "s1").breaker()).isEqualTo(BreakerState.OPEN);
        assertThatThrownBy(() -> callTool("iso", "s1", "echo").join()).hasMessageContaining("circuit breaker OPEN")
                .hasMessageContaining("isolated session");
        assertThat(manager.status("iso").breaker()).as("the shared connection's breaker").isEqualTo(BreakerState.CLOSED);
        assertThat(callTool("iso", "s2", "echo").join().path("server").asText()).isEqualTo("iso");
        advanceMillis(300);
        assertThat(callTool("iso", "s1", "echo").join().path("server").asText()).isEqualTo("iso");
        assertThat(manager.status("iso", "s1").breaker()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void closeIsolatedClosesThatSessionsConnectionsAndReports() {
        start(isolated("iso"), isolated("other"));
        callTool("iso", "s1", "echo").join();
        callTool("other", "s1", "echo").join();
        callTool("iso", "s2", "echo").join();
        List<FakeUpstream.FakeTransport> s1 = upstream.transports.stream().filter(t -> "s1".equals(t.isolationKey)).toList();
        assertThat(s1).hasSize(2);

        ShutdownReport report = manager.closeIsolated("s1");
        assertThat(report.closed()).containsExactly("iso (session s1)", "other (session s1)");
        assertThat(report.clean()).isTrue();
        assertThat(s1).allSatisfy(t -> assertThat(t.closed).isTrue());
        assertThat(manager.status("iso", "s1")).isNull();
        assertThat(manager.status("iso").isolatedSessions()).isEqualTo(1);
        assertThat(manager.closeIsolated("s1").closed()).isEmpty();

        ShutdownReport shutdown = manager.shutdown(Duration.ofSeconds(2));
        manager = null;
        assertThat(shutdown.closed()).containsExactly("iso", "iso (session s2)", "other");
    }

    @Test
    void anIsolatedConnectionIsHealthCheckedAndReconnected() {
        ServerConfig iso = isolated("iso").withOptions(TestOptions.fast().healthCheckInterval(Duration.ofSeconds(10))
                .unhealthyAfter(1).build());
        start(iso);
        callTool("iso", "s1", "echo").join();
        FakeUpstream.FakeTransport first = upstream.transports.stream().filter(t -> "s1".equals(t.isolationKey))
                .findFirst().orElseThrow();
        upstream.knobs("iso").rejectPings.set(true);
        advanceMillis(10_000);
        assertThat(first.closed).isTrue();
        assertThat(manager.status("iso", "s1").state()).isEqualTo(ServerState.BACKOFF);
        assertThat(manager.status("iso", "s1").lastError()).contains("ping refused");
        upstream.knobs("iso").rejectPings.set(false);
        advanceMillis(50);
        await().until(() -> manager.status("iso", "s1").state() == ServerState.READY
                && upstream.isolationKeys.size() == 4);
        // the shared and the isolated connection both failed their ping and reconnect in parallel, in either order
        assertThat(upstream.isolationKeys).hasSize(4).startsWith(null, "s1");
        assertThat(upstream.isolationKeys.subList(2, 4)).containsExactlyInAnyOrder(null, "s1");
    }

    @Test
    void shutdownClosesEverythingAndReports() {
        upstream.knobs("bad").refuseConnects.set(true);
        start(server("a"), server("b"), server("bad"));
        assertThat(clock.pending()).containsExactly("mcp-reconnect-bad");
        ShutdownReport report = manager.shutdown(Duration.ofSeconds(2));
        assertThat(report.closed()).containsExactly("a", "b");
        assertThat(report.clean()).isTrue();
        assertThat(upstream.transports).allSatisfy(t -> assertThat(t.closed).isTrue());
        assertThat(manager.status()).extracting(ServerStatus::state).containsOnly(ServerState.CLOSED);
        assertThatThrownBy(() -> manager.client("a")).hasMessageContaining("removed or shut down");
        assertThat(clock.pending()).as("the reconnect timer was called off").isEmpty();
        int connectsBefore = upstream.connects("bad");
        clock.advance(Duration.ofMinutes(5));
        assertThat(upstream.connects("bad")).isEqualTo(connectsBefore);
        assertThat(manager.shutdown(Duration.ofSeconds(1)).closed()).isEmpty();
        manager = null;
    }
}
