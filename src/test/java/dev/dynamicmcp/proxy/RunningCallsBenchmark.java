package dev.dynamicmcp.proxy;

import dev.dynamicmcp.protocol.Json;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The running-call bookkeeping every upstream call pays (start and end), with other calls on the same server in
 * flight, started before it and still running (a slow tool's calls while fast ones come and go), and a server's
 * own request finding its client ({@link RunningCalls#on}). Run from bench/run.sh with the other benchmarks; not a
 * test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RunningCallsBenchmark {
    /** Calls already running on the server, older than the measured one. */
    @Param({"0", "100", "1000"})
    public int inFlight;

    private final RunningCalls running = new RunningCalls();
    private final CallContext context = new CallContext("session-1", ProxySession.ANONYMOUS, null, Json.object(),
            Json.object(), "2025-11-25", CallContext.ProgressSink.NONE, null, new CallContext.CancelHandle());

    @Setup
    public void setUp() {
        for (int i = 0; i < inFlight; i++) {
            running.started(context, "echo");
        }
    }

    @Benchmark
    public RunningCalls.Call startAndEnd() {
        RunningCalls.Call call = running.started(context, "echo");
        running.ended(call);
        return call;
    }

    @Benchmark
    public int serverRequestLookup() {
        return running.on("echo").size();
    }
}
