package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
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
 * One server message appended to a session's stream while the handler's event budget is full of what it may not
 * give up: {@code overBudget} sessions that never connected a stream each hold requests to their clients, more in
 * all than the budget ({@code proxy.limits.maxBufferedEvents}, 10,000 here), so every reclaim walks them and gives
 * up only the notifications appended since. With {@code overBudget = false} the same sessions hold fewer than the
 * budget. Run from bench/run.sh with the other benchmarks; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventBudgetBenchmark {
    private static final ObjectNode NOTIFICATION = JsonRpc.notification("notifications/message",
            Json.object().put("level", "info").put("data", "x"));

    @Param({"false", "true"})
    public boolean overBudget;

    private EventStream stream;

    @Setup
    public void setUp() {
        EventBudget budget = new EventBudget(10_000);
        int perSession = overBudget ? 11 : 9;
        for (int session = 0; session < 1_000; session++) {
            EventStream waiting = new EventStream(0, 256, budget);
            for (int i = 0; i < perSession; i++) {
                waiting.append(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(i), "sampling/createMessage",
                        Json.object()));
            }
        }
        stream = new EventStream(0, 256, budget);
    }

    @Benchmark
    public boolean append() {
        return stream.append(NOTIFICATION);
    }
}
