package dev.dynamicmcp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The proxy's hot path for one tools/call, with the project's own classes and no network: the downstream
 * request's bytes are parsed, classified, routed by its namespaced tool name, sent upstream under a fresh
 * id, the upstream answer's bytes are parsed and correlated, and the answer goes back downstream under the
 * client's id, written to bytes.
 *
 * <ul>
 *   <li>{@code jsonOnly}: the same steps inline, with no {@link JsonRpcPeer}: the floor set by Jackson.</li>
 *   <li>{@code throughPeers}: two {@link JsonRpcPeer}s (downstream session, upstream client) as the proxy
 *       wires them: correlation maps, the per-request timeout timer, the virtual thread per incoming
 *       request. The upstream answers synchronously inside its sender.</li>
 *   <li>{@code handoffOnly}: start a virtual thread, complete a future on it, wait for it on the benchmark
 *       thread: the share of {@code throughPeers} that is thread handoff rather than proxy work.</li>
 * </ul>
 * Run: {@code java -cp CP org.openjdk.jmh.Main HotPathBenchmark} (bench/run.sh does).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {
    private static final byte[] REQUEST = ("{\"jsonrpc\":\"2.0\",\"id\":\"client-42\",\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"echo__echo\",\"arguments\":{\"text\":\"hello from the benchmark\"},"
            + "\"_meta\":{\"trace\":\"abc\"}}}").getBytes(StandardCharsets.UTF_8);
    private static final String ANSWER_HEAD = "{\"jsonrpc\":\"2.0\",\"id\":";
    private static final String ANSWER_TAIL = ",\"result\":{\"content\":[{\"type\":\"text\","
            + "\"text\":\"hello from the benchmark\"}],\"isError\":false}}";

    /** Exposed name -> (server, original name), as the catalog's route index. */
    private final Map<String, String[]> routes = Map.of("echo__echo", new String[] {"echo", "echo"},
            "other__tool", new String[] {"other", "tool"});
    private final RequestOptions options = RequestOptions.timeout(Duration.ofSeconds(30));

    private JsonRpcPeer downstream;
    private JsonRpcPeer upstream;
    private volatile CompletableFuture<byte[]> written;

    @Setup(Level.Trial)
    public void setUp() {
        upstream = new JsonRpcPeer("server \"echo\"", message -> {
            byte[] toUpstream = Json.writeBytes(message);
            // the upstream echo answers at once; its answer arrives as bytes like any other
            String answer = ANSWER_HEAD + message.get("id") + ANSWER_TAIL;
            upstream.onMessage((ObjectNode) Json.parse(answer.getBytes(StandardCharsets.UTF_8)));
            if (toUpstream.length == 0) {
                throw new IllegalStateException();
            }
        }, new NoRequests());
        downstream = new JsonRpcPeer("client", message -> written.complete(Json.writeBytes(message)),
                new JsonRpcPeer.Handler() {
                    @Override
                    public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
                        ObjectNode params = JsonRpc.params(request);
                        String[] route = routes.get(params.path("name").asText());
                        ObjectNode upstreamParams = params.deepCopy().put("name", route[1]);
                        return upstream.request("tools/call", upstreamParams, options).result();
                    }

                    @Override
                    public void onNotification(ObjectNode notification) {
                    }
                });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        downstream.close(null);
        upstream.close(null);
    }

    @Benchmark
    public byte[] throughPeers() throws Exception {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        written = done;
        downstream.onMessage((ObjectNode) Json.parse(REQUEST));
        return done.get(5, TimeUnit.SECONDS);
    }

    @Benchmark
    public byte[] handoffOnly() throws Exception {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> done.complete(REQUEST));
        return done.get(5, TimeUnit.SECONDS);
    }

    @Benchmark
    public byte[] jsonOnly() {
        ObjectNode request = (ObjectNode) Json.parse(REQUEST);
        if (JsonRpc.kind(request) != JsonRpc.Kind.REQUEST) {
            throw new IllegalStateException();
        }
        ObjectNode params = JsonRpc.params(request);
        String[] route = routes.get(params.path("name").asText());
        ObjectNode upstreamParams = params.deepCopy().put("name", route[1]);
        ObjectNode toUpstream = JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(7L), "tools/call",
                upstreamParams);
        byte[] sent = Json.writeBytes(toUpstream);
        ObjectNode answer = (ObjectNode) Json.parse((ANSWER_HEAD + 7 + ANSWER_TAIL).getBytes(StandardCharsets.UTF_8));
        if (JsonRpc.kind(answer) != JsonRpc.Kind.RESPONSE || sent.length == 0) {
            throw new IllegalStateException();
        }
        return Json.writeBytes(JsonRpc.result(request.get("id"), answer.get("result")));
    }

    private static final class NoRequests implements JsonRpcPeer.Handler {
        @Override
        public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
            return CompletableFuture.failedFuture(new IllegalStateException("no requests expected"));
        }

        @Override
        public void onNotification(ObjectNode notification) {
        }
    }
}
