package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.testsupport.TestOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager against real stdio child processes (a tiny sh MCP server) and the real transports. */
class RealUpstreamTest {
    static final Path SCRIPT = Path.of("src/test/resources/manager/sh-mcp-server.sh").toAbsolutePath();
    static final ServerOptions OPTIONS = TestOptions.fast().connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(1))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).backoffJitter(0.2)
            .breaker(3, Duration.ofMillis(400)).retries(2).lazy(false).build();

    final DefaultClientFactory factory = new DefaultClientFactory();
    final RecordingListener recorder = new RecordingListener();
    ServerManager manager;

    static ServerConfig sh(String name, Map<String, String> env, ServerOptions options) {
        return new ServerConfig(name, TransportKind.STDIO, "sh", List.of(SCRIPT.toString()), env, null, null, null,
                false, Isolation.SHARED, null, options);
    }

    ServerManager start(ServerConfig... servers) {
        manager = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(servers)).clientFactory(factory)
                .listener(recorder).build();
        manager.addServerListener(recorder);
        manager.initialize();
        return manager;
    }

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.shutdown(Duration.ofSeconds(5));
        }
        factory.close();
    }

    CompletableFuture<JsonNode> callTool(String server, String tool) {
        return manager.execute(server, McpMethods.TOOLS_CALL,
                c -> c.request(McpMethods.TOOLS_CALL, Json.object().put("name", tool)).result());
    }

    static long pid(ServerManager manager, String server) {
        return manager.client(server).transport().pid();
    }

    /** Real time on purpose: real child processes that take 1.5 s to start. */
    @Test
    void serversInitializeInParallel() {
        Map<String, String> slow = Map.of("START_DELAY", "1.5");
        long start = System.nanoTime();
        start(sh("a", slow, OPTIONS), sh("b", slow, OPTIONS), sh("c", slow, OPTIONS));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("FIGURE: initialize of 3 stdio servers with 1500 ms start delay took " + tookMs + " ms");
        assertThat(manager.status()).extracting(ServerStatus::state).containsOnly(ServerState.READY);
        assertThat(tookMs).isLessThan(3000);
    }

    @Test
    void killMinus9ReconnectsAndCallsInFlightFailFast() {
        start(sh("a", Map.of(), OPTIONS));
        long firstPid = pid(manager, "a");
        CompletableFuture<JsonNode> inFlight = callTool("a", "hang");
        CompletableFuture<JsonNode> longInFlight = manager.execute("a", McpMethods.TOOLS_CALL, c -> c.request(
                McpMethods.TOOLS_CALL, Json.object().put("name", "hang"),
                dev.dynamicmcp.protocol.RequestOptions.timeout(Duration.ofSeconds(30))).result());

        long killedAt = System.nanoTime();
        ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();
        assertThatThrownBy(() -> longInFlight.get(2, TimeUnit.SECONDS)).cause().isInstanceOf(McpException.class)
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(JsonRpc.CONNECTION_CLOSED));
        long failedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertThat(inFlight).isCompletedExceptionally();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> manager.status("a").state() == ServerState.READY && manager.status("a").reconnects() == 1);
        long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        System.out.println("FIGURE: stdio kill -9: in-flight call failed after " + failedAfterMs
                + " ms, READY again after " + recoveredMs + " ms");
        assertThat(pid(manager, "a")).isNotEqualTo(firstPid);
        assertThat(callTool("a", "echo").join().toString()).contains("pid " + pid(manager, "a"));
        assertThat(recorder.transitions).contains("a: READY -> BACKOFF", "a: BACKOFF -> CONNECTING");
    }

    /** Real time on purpose: the request timeout is the client's, against a real child that hangs. */
    @Test
    void aHangingCallTimesOutAndTheServerIsToldToCancel(@TempDir Path dir) throws Exception {
        Path cancelLog = dir.resolve("cancelled.log");
        start(sh("a", Map.of("CANCEL_LOG", cancelLog.toString()), OPTIONS));
        long start = System.nanoTime();
        assertThatThrownBy(() -> callTool("a", "hang").join()).hasMessageContaining("did not answer tools/call");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(900L, 2500L);
        await().atMost(Duration.ofSeconds(2)).until(() -> Files.exists(cancelLog)
                && Files.readString(cancelLog).contains("notifications/cancelled"));
        assertThat(Files.readString(cancelLog)).contains("requestId");
    }

    /** The request timeouts are real (the child really hangs); the breaker's open duration runs on a fake clock. */
    @Test
    void theBreakerOpensFailsFastHalfOpensAndClosesAgainstARealServer() {
        dev.dynamicmcp.testsupport.FakeScheduler clock = new dev.dynamicmcp.testsupport.FakeScheduler();
        manager = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(sh("a", Map.of(), OPTIONS)))
                .clientFactory(factory).listener(recorder).scheduler(clock).build();
        manager.initialize();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> callTool("a", "hang").join()).hasMessageContaining("did not answer");
        }
        assertThatThrownBy(() -> callTool("a", "echo").join()).cause().isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("circuit breaker OPEN").hasMessageContaining("half-opens in 400 ms");
        clock.advance(Duration.ofMillis(399));
        assertThatThrownBy(() -> callTool("a", "echo").join()).cause().isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("half-opens in 1 ms");
        clock.advance(Duration.ofMillis(1));
        assertThat(callTool("a", "echo").join().toString()).contains("pid");
        assertThat(manager.status("a").breaker()).isEqualTo(BreakerState.CLOSED);
        assertThat(recorder.breaker).containsExactly("a: CLOSED -> OPEN", "a: OPEN -> HALF_OPEN", "a: HALF_OPEN -> CLOSED");
    }

    @Test
    void twoHundredConcurrentCallersWhileOneServerIsKilledRepeatedly() throws Exception {
        start(sh("a", Map.of(), OPTIONS), sh("b", Map.of(), OPTIONS), sh("c", Map.of(), OPTIONS));
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger errored = new AtomicInteger();
        List<String> servers = List.of("a", "b", "c");
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            callers.add(Thread.ofVirtual().start(() -> {
                for (int j = 0; j < 10; j++) {
                    String server = servers.get((n + j) % 3);
                    try {
                        callTool(server, "echo").get(5, TimeUnit.SECONDS);
                        answered.incrementAndGet();
                    } catch (java.util.concurrent.ExecutionException e) {
                        errored.incrementAndGet();
                    } catch (Exception e) {
                        throw new AssertionError("call lost or hung: " + e, e);
                    }
                }
            }));
        }
        int kills = 0;
        for (int k = 0; k < 5; k++) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(20, 120)); // random kill moments are the point here
            try {
                ProcessHandle.of(pid(manager, "b")).ifPresent(ProcessHandle::destroyForcibly);
                kills++;
            } catch (ServerUnavailableException e) {
                // b is between connections: try again at the next moment
            }
        }
        for (Thread caller : callers) {
            assertThat(caller.join(Duration.ofSeconds(30))).as("caller finished").isTrue();
        }
        System.out.println("FIGURE: 2000 calls by 200 virtual threads over 3 stdio servers, " + kills
                + " kills of one: " + answered.get() + " answered, " + errored.get() + " errored, 0 lost");
        assertThat(answered.get() + errored.get()).isEqualTo(2000);
        assertThat(answered.get()).isGreaterThan(1000);
        await().atMost(Duration.ofSeconds(5)).until(() -> manager.status("b").state() == ServerState.READY);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> callTool("b", "echo").handle((r, e) -> e == null).join());
    }

    @Test
    void twoHundredKillReconnectCyclesLeaveNoProcessThreadOrFileBehind() {
        ServerOptions noBreaker = TestOptions.fast().connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(1))
            .healthCheckInterval(Duration.ZERO).unhealthyAfter(3).backoff(Duration.ofMillis(10), Duration.ofMillis(100)).backoffJitter(0.2)
            .breaker(1000, Duration.ofMillis(100)).retries(2).lazy(false).build();
        // warm up JVM-wide singletons (virtual thread scheduler, request timer) before taking the baseline
        ServerManager warmUp = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(sh("w", Map.of(), noBreaker)))
                .clientFactory(factory).build();
        warmUp.initialize();
        warmUp.shutdown(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.current().descendants().findAny().isEmpty());
        int threadsBefore = ourThreads();
        int fdsBefore = openFds();
        long start = System.nanoTime();
        start(sh("a", Map.of(), noBreaker));
        for (int cycle = 0; cycle < 200; cycle++) {
            long pid = pid(manager, "a");
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            // right after the kill the old client may still look READY; client() then says "reconnecting"
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
                    .ignoreException(ServerUnavailableException.class).until(() -> {
                ServerStatus s = manager.status("a");
                return s.state() == ServerState.READY && manager.client("a").transport().pid() != pid;
            });
            // a successful call proves the new connection, so the next loss reconnects at once again
            callTool("a", "echo").join();
        }
        long cyclesMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        ShutdownReport report = manager.shutdown(Duration.ofSeconds(5));
        manager = null;
        assertThat(report.clean()).isTrue();
        await().atMost(Duration.ofSeconds(5)).alias("no child processes").until(() -> ProcessHandle.current().descendants().findAny().isEmpty());
        // the JDK's "process reaper" threads are a cached pool that idles out on its own; they are not ours
        await().atMost(Duration.ofSeconds(5)).alias("threads back near " + threadsBefore).until(() -> ourThreads() <= threadsBefore + 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> openFds() <= fdsBefore + 10);
        int threadsAfter = ourThreads();
        int fdsAfter = openFds();
        System.out.println("FIGURE: 200 kill/reconnect cycles in " + cyclesMs + " ms (" + cyclesMs / 200
                + " ms each); after shutdown: " + ProcessHandle.current().descendants().count() + " child processes, threads "
                + threadsBefore + " -> " + threadsAfter + ", open fds " + fdsBefore + " -> " + fdsAfter);
    }

    @Test
    void shutdownClosesEveryChildProcess() {
        start(sh("a", Map.of(), OPTIONS), sh("b", Map.of(), OPTIONS));
        List<Long> pids = List.of(pid(manager, "a"), pid(manager, "b"));
        ShutdownReport report = manager.shutdown(Duration.ofSeconds(5));
        manager = null;
        System.out.println("FIGURE: shutdown of 2 stdio servers took " + report.took().toMillis() + " ms, closed "
                + report.closed() + ", timed out " + report.timedOut() + ", force-killed " + report.forceKilled());
        assertThat(report.closed()).containsExactly("a", "b");
        await().atMost(Duration.ofSeconds(3)).until(() -> pids.stream()
                .map(ProcessHandle::of).noneMatch(p -> p.map(ProcessHandle::isAlive).orElse(false)));
    }

    /** Live platform threads, without pools the JDK and Awaitility size on their own (reapers, carriers). */
    static int ourThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.getName().startsWith("process reaper") && !t.getName().startsWith("ForkJoinPool")
                        && !t.getName().startsWith("awaitility")).count();
    }

    static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : Objects.requireNonNull(fds).length;
    }
}
