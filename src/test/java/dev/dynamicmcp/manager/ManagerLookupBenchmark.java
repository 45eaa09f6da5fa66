package dev.dynamicmcp.manager;

import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.testsupport.FakeScheduler;
import dev.dynamicmcp.testsupport.TestOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the proxy asks the manager per call, with other downstream sessions holding connections of their own to an
 * isolated server (there may be thousands): a server's revision (whether its calls take the 2026-07-28 path),
 * through the server's whole status (which counts its isolated connections, a walk over every connection) or
 * {@link ServerManager#revision}; {@link ServerManager#anyConfig}; and the close of a stateless call's isolated
 * connections ({@link ServerManager#closeIsolated}) when it has none. Run from bench/run.sh with the other
 * benchmarks; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ManagerLookupBenchmark {
    private static final ServerOptions OPTIONS = TestOptions.fast().build();

    /** Downstream sessions with their own connection to the isolated server. */
    @Param({"0", "1000"})
    public int isolatedSessions;

    private final FakeScheduler clock = new FakeScheduler();
    private ServerManager manager;

    @Setup
    public void setUp() {
        ServerConfig shared = ServerConfig.stdio("echo", "fake", List.of()).withOptions(OPTIONS);
        ServerConfig own = new ServerConfig("own", shared.transport(), "fake", List.of(), null, null, null, null,
                false, Isolation.SESSION, null, OPTIONS);
        manager = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(shared, own))
                .clientFactory(new FakeUpstream()).scheduler(clock).build();
        manager.initialize();
        for (int i = 0; i < isolatedSessions; i++) {
            manager.execute("own", "session-" + i, McpMethods.TOOLS_CALL,
                    c -> c.request(McpMethods.TOOLS_CALL, Json.object().put("name", "echo")).result()).join();
        }
    }

    @TearDown
    public void tearDown() {
        manager.shutdown(Duration.ofSeconds(5));
        clock.close();
    }

    /** How the router asked before: the status built, then its revision read. */
    @Benchmark
    public String throughStatus() {
        ServerStatus status = manager.status("echo");
        return status == null ? null : status.revision();
    }

    @Benchmark
    public String revision() {
        return manager.revision("echo");
    }

    /** "Is any server isolated?" as a stateless call asks it, when none matches (the whole walk). */
    @Benchmark
    public boolean anyConfigNoMatch() {
        return manager.anyConfig(config -> config.perUser());
    }

    /** Every server's status (the console, /status), and the READY servers (a session's roots, error paths). */
    @Benchmark
    public List<ServerStatus> statusOfAll() {
        return manager.status();
    }

    @Benchmark
    public List<String> readyServers() {
        return manager.readyServers();
    }

    /** A stateless call ended: its isolated connections (here none) are closed. */
    @Benchmark
    public ShutdownReport closeIsolatedOfACallWithNone() {
        return manager.closeIsolated("a-call-without-connections");
    }
}
