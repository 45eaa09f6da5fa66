package dev.dynamicmcp.bench;

import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 * The request timeout of one proxied call: armed when the request goes out, cancelled when its answer comes,
 * with no other timer pending (calls one at a time, the 1-session case).
 * <ul>
 *   <li>{@code executorTimer}: a {@link ScheduledThreadPoolExecutor} with remove-on-cancel, as
 *       {@code SystemScheduler} kept every timer before issue 12: each schedule into an empty queue wakes
 *       the timer thread.</li>
 *   <li>{@code schedulerTimer}: {@link SystemScheduler#schedule} as it is now (a 30 s timeout goes into a
 *       coarse slot).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TimerBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private ScheduledThreadPoolExecutor executor;
    private SystemScheduler scheduler;

    @Setup
    public void setUp() {
        executor = new ScheduledThreadPoolExecutor(1);
        executor.setRemoveOnCancelPolicy(true);
        scheduler = new SystemScheduler();
    }

    @TearDown
    public void tearDown() {
        executor.shutdownNow();
        scheduler.close(Duration.ofSeconds(1));
    }

    @Benchmark
    public boolean executorTimer() {
        ScheduledFuture<?> timeout = executor.schedule(() -> { }, TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        return timeout.cancel(false);
    }

    @Benchmark
    public boolean schedulerTimer() {
        Scheduler.Cancellable timeout = scheduler.schedule("rpc-timeout", TIMEOUT, () -> { });
        return timeout.cancel();
    }
}
