package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.discovery.DiscoveryResult;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The manager's logic against in-memory upstreams: no processes, no sockets. */
class ServerManagerTest {
    static final ServerOptions FAST = new ServerOptions(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ZERO,
            3, Duration.ofMillis(50), Duration.ofMillis(400), 0.2, 3, Duration.ofMillis(300), 2, false);

    final FakeUpstream upstream = new FakeUpstream();
    final RecordingListener recorder = new RecordingListener();
    ServerManager manager;

    static ServerConfig server(String name) {
        return ServerConfig.stdio(name, "fake", List.of()).withOptions(FAST);
    }

    static ServerConfig server(String name, ServerOptions options) {
        return ServerConfig.stdio(name, "fake", List.of()).withOptions(options);
    }

    ServerManager start(ServerConfig... servers) {
        manager = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(servers)).clientFactory(upstream)
                .listener(recorder).build();
        manager.addServerListener(recorder);
        manager.initialize();
        return manager;
    }

    @AfterEach
    void shutdown() {
        if (manager != null) {
            manager.shutdown(Duration.ofSeconds(5));
        }
    }

    CompletableFuture<JsonNode> callTool(String server, String tool) {
        return manager.execute(server, McpMethods.TOOLS_CALL,
                c -> c.request(McpMethods.TOOLS_CALL, Json.object().put("name", tool)).result());
    }

    @Test
    void oneFailingServerNeverFailsTheOthersAndIsReportedWithItsError() {
        upstream.knobs("bad").refuseConnects.set(true);
        start(server("a"), server("b"), server("bad"));

        assertThat(manager.status("a").state()).isEqualTo(ServerState.READY);
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);
        ServerStatus bad = manager.status("bad");
        assertThat(bad.state()).isIn(ServerState.BACKOFF, ServerState.CONNECTING);
        assertThat(bad.lastError()).contains("connection refused");
        long start = System.nanoTime();
        assertThatThrownBy(() -> manager.client("bad"))
                .isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("server \"bad\"")
                .hasMessageContaining("connection refused")
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(JsonRpc.SERVER_UNAVAILABLE));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(100);
        assertThat(callTool("a", "echo").join().path("server").asText()).isEqualTo("a");
    }

    @Test
    void initializeConnectsInParallel() {
        for (String name : List.of("a", "b", "c", "d")) {
            upstream.knobs(name).connectDelay = Duration.ofMillis(400);
        }
        long start = System.nanoTime();
        start(server("a"), server("b"), server("c"), server("d"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("FIGURE: fake initialize of 4 servers x 400 ms took " + tookMs + " ms");
        assertThat(tookMs).isLessThan(800);
        assertThat(manager.status()).extracting(ServerStatus::state).containsOnly(ServerState.READY);
    }

    @Test
    void failedConnectsBackOffExponentiallyThenSucceedAndReset() {
        upstream.knobs("a").failConnects.set(3);
        start(server("a"));
        await().atMost(Duration.ofSeconds(5)).until(() -> manager.status("a").state() == ServerState.READY);
        assertThat(upstream.connects("a")).isEqualTo(4);
        assertThat(recorder.reconnectDelays).hasSize(3);
        // 50, 100, 200 ms each within +-20%
        assertThat(recorder.reconnectDelays.get(0).toMillis()).isBetween(40L, 60L);
        assertThat(recorder.reconnectDelays.get(1).toMillis()).isBetween(80L, 120L);
        assertThat(recorder.reconnectDelays.get(2).toMillis()).isBetween(160L, 240L);
        assertThat(manager.status("a").consecutiveErrors()).isZero();
        assertThat(recorder.transitions).containsSubsequence("a: NEW -> CONNECTING", "a: CONNECTING -> BACKOFF",
                "a: BACKOFF -> CONNECTING", "a: CONNECTING -> READY");
    }

    @Test
    void unhealthyAfterNFailedPingsThenReconnected() {
        start(server("a"));
        FakeUpstream.FakeTransport first = upstream.current("a");
        upstream.knobs("a").failPings.set(true);

        assertThat(manager.checkServer("a").consecutiveErrors()).isEqualTo(1);
        assertThat(manager.checkServer("a").state()).isEqualTo(ServerState.READY);
        upstream.knobs("a").failPings.set(true);
        ServerStatus third = manager.checkServer("a");
        assertThat(third.state()).isIn(ServerState.BACKOFF, ServerState.UNHEALTHY, ServerState.CONNECTING, ServerState.READY);
        assertThat(recorder.transitions).contains("a: READY -> UNHEALTHY");
        assertThat(first.closed).isTrue();
        assertThat(recorder.events).anySatisfy(e -> assertThat(e).isInstanceOf(ServerEvent.Down.class));

        upstream.knobs("a").failPings.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> manager.status("a").state() == ServerState.READY);
        assertThat(upstream.current("a")).isNotSameAs(first);
        assertThat(manager.checkServer("a").consecutiveErrors()).isZero();
        assertThat(manager.status("a").reconnects()).isEqualTo(1);
    }

    @Test
    void periodicHealthChecksFindADeafServer() {
        ServerOptions pinging = new ServerOptions(Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofMillis(100),
                2, Duration.ofMillis(50), Duration.ofMillis(400), 0.2, 3, Duration.ofMillis(300), 2, false);
        start(server("a", pinging));
        upstream.knobs("a").failPings.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.transitions.contains("a: READY -> UNHEALTHY"));
        upstream.knobs("a").failPings.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.status("a").state() == ServerState.READY);
        assertThat(manager.status("a").lastCheck()).isNotNull();
    }

    @Test
    void aDeadConnectionReconnectsAtOnceAndCallsInFlightFailFast() {
        start(server("a"));
        upstream.knobs("a").hangCalls.set(true);
        CompletableFuture<JsonNode> inFlight = callTool("a", "slow");
        await().until(() -> upstream.current("a").toolCalls.get() == 1);
        upstream.knobs("a").hangCalls.set(false);

        long killedAt = System.nanoTime();
        upstream.current("a").kill();
        assertThatThrownBy(() -> inFlight.get(2, TimeUnit.SECONDS)).hasCauseInstanceOf(McpException.class)
                .satisfies(e -> assertThat(((McpException) e.getCause()).code()).isEqualTo(JsonRpc.CONNECTION_CLOSED));
        await().atMost(Duration.ofSeconds(2)).until(() -> manager.status("a").state() == ServerState.READY
                && manager.status("a").reconnects() == 1);
        System.out.println("FIGURE: fake reconnect after kill took "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms");
        assertThat(callTool("a", "echo").join().path("server").asText()).isEqualTo("a");
        assertThat(recorder.events).extracting(e -> e.getClass().getSimpleName())
                .containsSubsequence("Ready", "Down", "Ready");
        assertThat(recorder.reconnectDelays).first().isEqualTo(Duration.ZERO);
    }

    @Test
    void anErrorAnswerIsNotAFailureButTimeoutsOpenTheBreakerWhichFailsFastHalfOpensAndCloses() {
        start(server("a"));
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
        long start = System.nanoTime();
        assertThatThrownBy(() -> callTool("a", "x").join()).hasCauseInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("circuit breaker OPEN").hasMessageContaining("half-opens in");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(100);
        int sent = upstream.current("a").toolCalls.get();

        upstream.knobs("a").hangCalls.set(false);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> callTool("a", "probe").handle((r, e) -> e == null).join());
        assertThat(upstream.current("a").toolCalls.get()).isEqualTo(sent + 1);
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.CLOSED);
        assertThat(recorder.breaker).containsExactly("a: CLOSED -> OPEN", "a: OPEN -> HALF_OPEN", "a: HALF_OPEN -> CLOSED");
        assertThat(recorder.calls).contains("a tools/call ERROR_ANSWER", "a tools/call TIMEOUT", "a tools/call REJECTED");
    }

    /** Regression: a cancelled half-open probe used to keep its permit, refusing every later call forever. */
    @Test
    void aCancelledHalfOpenProbeDoesNotWedgeTheBreaker() {
        start(server("a"));
        upstream.knobs("a").hangCalls.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> callTool("a", "slow").join()).hasMessageContaining("did not answer");
        }
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.OPEN);

        // call until the breaker lets one through: that call is the half-open probe
        java.util.concurrent.atomic.AtomicReference<dev.dynamicmcp.protocol.PendingRequest> probe =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<JsonNode>> probing =
                new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
            CompletableFuture<JsonNode> attempt = manager.execute("a", McpMethods.TOOLS_CALL, c -> {
                probe.set(c.request(McpMethods.TOOLS_CALL, Json.object().put("name", "slow")));
                return probe.get().result();
            });
            probing.set(attempt);
            return probe.get() != null;
        });
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.HALF_OPEN);
        probe.get().cancel("the user pressed stop");
        assertThatThrownBy(() -> probing.get().join())
                .hasCauseInstanceOf(java.util.concurrent.CancellationException.class);

        upstream.knobs("a").hangCalls.set(false);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> callTool("a", "probe").handle((r, e) -> e == null).join());
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void idempotentRequestsAreRetriedButToolCallsNeverAre() {
        start(server("a"), server("b"));
        AtomicInteger listAttempts = new AtomicInteger();
        AtomicInteger callAttempts = new AtomicInteger();
        McpException closed = McpException.local(JsonRpc.CONNECTION_CLOSED, "stream broke", null);
        assertThatThrownBy(() -> manager.execute("a", McpMethods.TOOLS_LIST, c -> {
            listAttempts.incrementAndGet();
            return CompletableFuture.failedFuture(closed);
        }).join()).hasCause(closed);
        assertThatThrownBy(() -> manager.execute("b", McpMethods.TOOLS_CALL, c -> {
            callAttempts.incrementAndGet();
            return CompletableFuture.failedFuture(closed);
        }).join()).hasCause(closed);
        assertThat(listAttempts).hasValue(1 + FAST.retries());
        assertThat(callAttempts).hasValue(1);
    }

    @Test
    void lazyServersConnectOnFirstUse() {
        ServerOptions lazy = new ServerOptions(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ZERO, 3,
                Duration.ofMillis(50), Duration.ofMillis(400), 0.2, 3, Duration.ofMillis(300), 2, true);
        start(server("eager"), server("lazy", lazy));
        assertThat(manager.status("lazy").state()).isEqualTo(ServerState.NEW);
        assertThat(upstream.connects("lazy")).isZero();
        assertThat(manager.discoverAll()).filteredOn(r -> r.server().equals("lazy")).singleElement()
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
        List<DiscoveryResult> results = manager.discoverAll();
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
    void addReplaceAndRemoveAtRuntime() {
        start(server("a"));
        manager.add(server("b"));
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);
        assertThatThrownBy(() -> manager.add(server("b"))).isInstanceOf(IllegalArgumentException.class);

        FakeUpstream.FakeTransport oldB = upstream.current("b");
        upstream.knobs("b").hangCalls.set(true);
        CompletableFuture<JsonNode> draining = callTool("b", "slow");
        await().until(() -> oldB.toolCalls.get() == 1);
        long start = System.nanoTime();
        manager.replace(server("b"));
        long replaceMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // the old connection was kept until the in-flight call ended on its own 500 ms timeout, not cut by close
        assertThat(draining).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(Exception.class)
                .withMessageContaining("did not answer");
        assertThat(replaceMs).isBetween(300L, 2000L);
        assertThat(oldB.closed).isTrue();
        assertThat(upstream.current("b")).isNotSameAs(oldB);
        assertThat(manager.status("b").state()).isEqualTo(ServerState.READY);

        assertThat(manager.remove("a")).isTrue();
        assertThat(manager.remove("a")).isFalse();
        assertThat(manager.status("a")).isNull();
        assertThat(upstream.current("a").closed).isTrue();
        assertThat(recorder.events).contains(new ServerEvent.Removed("a"));
        assertThatThrownBy(() -> manager.client("a")).isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("no server named \"a\"");
    }

    @Test
    void shutdownClosesEverythingAndReports() {
        upstream.knobs("bad").refuseConnects.set(true);
        start(server("a"), server("b"), server("bad"));
        ShutdownReport report = manager.shutdown(Duration.ofSeconds(2));
        assertThat(report.closed()).containsExactly("a", "b");
        assertThat(report.clean()).isTrue();
        assertThat(upstream.transports).allSatisfy(t -> assertThat(t.closed).isTrue());
        assertThat(manager.status()).extracting(ServerStatus::state).containsOnly(ServerState.CLOSED);
        assertThatThrownBy(() -> manager.client("a")).hasMessageContaining("removed or shut down");
        int connectsBefore = upstream.connects("bad");
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(1))
                .until(() -> upstream.connects("bad") == connectsBefore);
        assertThat(manager.shutdown(Duration.ofSeconds(1)).closed()).isEmpty();
        manager = null;
    }
}
