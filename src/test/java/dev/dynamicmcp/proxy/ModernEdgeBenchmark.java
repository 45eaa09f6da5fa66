package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMeta;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the 2026-07-28 edge adds to a call that a session's call does not pay: the request's envelope taken off
 * its params for a 2025-era server ({@link McpMeta#withoutEnvelope}), and the result given what the revision asks
 * of it (resultType, the proxy's server info: {@link McpMeta#modernResult}). Run from bench/run.sh with the other
 * benchmarks; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ModernEdgeBenchmark {
    private final ObjectNode params = (ObjectNode) Json.parse(("{\"name\":\"echo__echo\",\"arguments\":{\"text\":"
            + "\"t1\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}}").getBytes(StandardCharsets.UTF_8));
    private final JsonNode result = Json.parse("{\"content\":[{\"type\":\"text\",\"text\":\"t1\"}]}"
            .getBytes(StandardCharsets.UTF_8));

    @Benchmark
    public ObjectNode envelopeOff() {
        return McpMeta.withoutEnvelope(params);
    }

    @Benchmark
    public ObjectNode modernResult() {
        return McpMeta.modernResult(result, ProxySession.serverInfo());
    }
}
