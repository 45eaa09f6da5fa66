package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a Streamable HTTP server's JSON answer costs between the client's buffer and the messages, the way it was
 * and the way it is: decoded into a string, encoded back to bytes and parsed ({@code viaText}), or copied out of
 * the buffer and parsed from the bytes ({@code fromBytes}, {@link HttpAnswer#readBytesAsync}); and the same answer
 * as an SSE event of one data line, as the official TypeScript SDK's servers send it, through {@link SseParser}
 * ({@code sseEvent}). {@code size}: the echo benchmark's answer, or a tool result of 8 KB with text outside ASCII.
 * Run with {@code -prof gc} for the bytes allocated. Run from bench/run.sh with the other benchmarks; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AnswerParseBenchmark {
    @Param({"echo", "8k"})
    public String size;

    private ByteBuffer buffer;
    private ByteBuffer event;
    private final SseParser parser = new SseParser(StreamableHttpTransport.MAX_EVENT_BYTES);
    private List<ObjectNode> parsed;

    @Setup
    public void setUp() {
        String text = size.equals("echo") ? "t42" : "grüße, 日本語: ".repeat(8 * 1024 / 28);
        byte[] body = ("{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"" + text
                + "\"}]}}").getBytes(StandardCharsets.UTF_8);
        buffer = ByteBuffer.allocateDirect(body.length).put(body).flip(); // Jetty's client reads into direct buffers
        byte[] head = "event: message\nid: 7\ndata: ".getBytes(StandardCharsets.UTF_8);
        event = ByteBuffer.allocateDirect(head.length + body.length + 2).put(head).put(body)
                .put((byte) '\n').put((byte) '\n').flip();
    }

    @Benchmark
    public List<ObjectNode> viaText() throws MessageShape.BadMessageException {
        String text = StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return MessageShape.parse(bytes, 0, bytes.length);
    }

    @Benchmark
    public List<ObjectNode> fromBytes() throws MessageShape.BadMessageException {
        ByteBuffer body = buffer.duplicate();
        byte[] bytes = new byte[body.remaining()];
        body.get(bytes);
        return MessageShape.parse(bytes, 0, bytes.length);
    }

    @Benchmark
    public List<ObjectNode> sseEvent() throws IOException {
        parser.feed(event.duplicate(), sse -> {
            try {
                parsed = MessageShape.parse(sse.bytes(), 0, sse.bytes().length);
            } catch (MessageShape.BadMessageException e) {
                throw new IllegalStateException(e);
            }
        });
        return parsed;
    }
}
