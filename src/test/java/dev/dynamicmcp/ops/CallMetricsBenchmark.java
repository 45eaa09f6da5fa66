package dev.dynamicmcp.ops;

import dev.dynamicmcp.manager.CallOutcome;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics cost each proxied call ({@link MicrometerManagerListener#callCompleted}: the call's timer with
 * its histogram, on the Prometheus registry the proxy uses). Run from bench/run.sh with the other benchmarks;
 * not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CallMetricsBenchmark {
    private MicrometerManagerListener listener;
    private long nanos;

    @Setup
    public void setUp() {
        listener = new MicrometerManagerListener(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Benchmark
    public void callCompleted() {
        listener.callCompleted("echo", "tools/call", 20_000 + (nanos++ & 1023), CallOutcome.SUCCESS);
    }
}
