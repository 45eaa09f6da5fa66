package dev.dynamicmcp.admin;

import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the admin event feed costs each proxied call ({@link EventFeed#callCompleted}) when no console is
 * watching, the usual case. Run from bench/run.sh with the other benchmarks; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventFeedBenchmark {
    private SystemScheduler scheduler;
    private EventFeed feed;

    @Setup
    public void setUp() {
        scheduler = new SystemScheduler();
        feed = new EventFeed(scheduler);
    }

    @TearDown
    public void tearDown() {
        scheduler.close(Duration.ofSeconds(1));
    }

    @Benchmark
    public void callCompletedNobodyWatching() {
        feed.callCompleted("echo", "tools/call", 123_456, CallOutcome.values()[0]);
    }
}
