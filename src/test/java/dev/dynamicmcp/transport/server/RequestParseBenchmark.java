package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
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
 * What every downstream POST pays before routing, the way it was and the way it is: its body parsed through a
 * string of the whole text ({@code viaString}) or from the bytes ({@link Json#parse(byte[])}); its {@code Accept}
 * header checked by splitting and lower-casing ({@code acceptBySplit}) or in place ({@link HttpIo#listsMediaType}).
 * Run with {@code -prof gc} for the bytes allocated. Run from bench/run.sh with the other benchmarks; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestParseBenchmark {
    private static final byte[] BODY = ("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":"
            + "\"echo__echo\",\"arguments\":{\"text\":\"t42\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
            + "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}").getBytes(StandardCharsets.UTF_8);
    private static final String ACCEPT = "application/json, text/event-stream";

    @Benchmark
    public JsonNode parseViaString() {
        return Json.parse(new String(BODY, StandardCharsets.UTF_8));
    }

    @Benchmark
    public JsonNode parseBytes() {
        return Json.parse(BODY);
    }

    @Benchmark
    public boolean acceptBySplit() {
        return listedBySplit(ACCEPT, HttpIo.JSON) && listedBySplit(ACCEPT, HttpIo.EVENT_STREAM);
    }

    @Benchmark
    public boolean acceptInPlace() {
        return HttpIo.listsMediaType(ACCEPT, HttpIo.JSON) && HttpIo.listsMediaType(ACCEPT, HttpIo.EVENT_STREAM);
    }

    /** The check as it was. */
    private static boolean listedBySplit(String value, String mediaType) {
        for (String part : value.split(",")) {
            if (part.split(";", 2)[0].trim().toLowerCase().equals(mediaType)) {
                return true;
            }
        }
        return false;
    }
}
