package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.testsupport.ModernPeers;
import dev.dynamicmcp.testsupport.Peers;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bridge B with real peers: 2025-era clients (the project's own client, the Java SDK client) through the
 * proxy to the SDK 2.4.0 server fixture (MCP 2026-07-28, over Streamable HTTP and over stdio), whose tools
 * answer {@code input_required}. The proxy asks the client with ordinary server-initiated requests on the
 * call's stream and retries the server with the answers, round after round.
 */
class BridgeToModernServerTest {
    static Peers.NodeServer modernHttp;
    static ProxyApp proxy;

    @BeforeAll
    static void start() throws Exception {
        modernHttp = ModernPeers.startHttp();
        List<String> stdio = ModernPeers.stdioCommand();
        String config = """
                {"proxy": {"port": 0, "host": "127.0.0.1", "defaults": {"requestTimeout": "30s"}},
                 "mcpServers": {
                   "modern": {"url": "%s", "transport": "streamable-http"},
                   "modernstdio": {"command": %s, "args": [%s, "--stdio"]}}}
                """.formatted(modernHttp.url(), ModernUpstreamProxyTest.quote(stdio.get(0)),
                ModernUpstreamProxyTest.quote(stdio.get(1)));
        proxy = ProxyApp.start(ConfigLoader.parse(config, Map.of(), Path.of(".")), ProxyApp.Options.httpOnly());
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (modernHttp != null) {
            modernHttp.close();
        }
    }

    /** What the older client was asked, in order. */
    final List<ObjectNode> asked = new CopyOnWriteArrayList<>();

    /** A 2025-era client declaring {@code capabilities}, answering every request with {@code answer}. */
    McpClient client(ObjectNode capabilities, Function<ObjectNode, CompletableFuture<JsonNode>> answer)
            throws Exception {
        McpClient client = new McpClient("proxy",
                new StreamableHttpTransport("proxy", proxy.endpoint(), Map.of(), null, Duration.ofSeconds(10)),
                new McpClient.Options(Json.object().put("name", "old-client").put("version", "1"), capabilities,
                        Duration.ofSeconds(30)));
        client.setRequestHandler(request -> {
            asked.add(request);
            return answer.apply(request);
        });
        client.connect(Duration.ofSeconds(10));
        return client;
    }

    static ObjectNode capabilities(String... names) {
        ObjectNode capabilities = Json.object();
        for (String name : names) {
            capabilities.putObject(name);
        }
        return capabilities;
    }

    /** Answers as a person and a model would: a name, a sample, one root. */
    static CompletableFuture<JsonNode> answers(ObjectNode request) {
        ObjectNode result = Json.object();
        switch (request.path("method").asText()) {
            case McpMethods.ELICITATION_CREATE -> result.put("action", "accept").putObject("content").put("name", "Ada");
            case McpMethods.SAMPLING_CREATE_MESSAGE -> {
                result.put("role", "assistant").put("model", "old-model");
                result.putObject("content").put("type", "text").put("text", "Paris");
            }
            case McpMethods.ROOTS_LIST -> result.putArray("roots").addObject().put("uri", "file:///work").put("name", "work");
            default -> {
                return CompletableFuture.failedFuture(new McpException(-32601, "not here"));
            }
        }
        return CompletableFuture.completedFuture(result);
    }

    static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    List<String> askedMethods() {
        return asked.stream().map(r -> r.path("method").asText()).toList();
    }

    @Test
    void anElicitationOfAModernServerIsAskedOfTheOlderClientOverHttpAndStdio() throws Exception {
        try (McpClient client = client(capabilities("elicitation"), BridgeToModernServerTest::answers)) {
            assertThat(text(client.callTool("modern__ask_name", Json.object()))).isEqualTo("Hello, Ada!");
            assertThat(text(client.callTool("modernstdio__ask_name", Json.object()))).isEqualTo("Hello, Ada!");
        }
        assertThat(askedMethods()).containsExactly(McpMethods.ELICITATION_CREATE, McpMethods.ELICITATION_CREATE);
        assertThat(asked.get(0).path("params").path("message").asText()).isEqualTo("What is your name?");
    }

    @Test
    void samplingAndRootsToo() throws Exception {
        try (McpClient client = client(capabilities("sampling", "roots"), BridgeToModernServerTest::answers)) {
            assertThat(text(client.callTool("modern__ask_sample", Json.object())))
                    .isEqualTo("sampled: Paris (model old-model)");
            assertThat(text(client.callTool("modern__ask_roots", Json.object()))).isEqualTo("roots: file:///work");
        }
        assertThat(askedMethods()).containsExactly(McpMethods.SAMPLING_CREATE_MESSAGE, McpMethods.ROOTS_LIST);
    }

    @Test
    void severalRoundsCarryTheServersStateAcross() throws Exception {
        try (McpClient client = client(capabilities("elicitation", "sampling"), BridgeToModernServerTest::answers)) {
            assertThat(text(client.callTool("modern__ask_twice", Json.object().put("topic", "MCP"))))
                    .isEqualTo("Ada on MCP: Paris");
        }
        assertThat(askedMethods()).containsExactly(McpMethods.ELICITATION_CREATE, McpMethods.SAMPLING_CREATE_MESSAGE);
    }

    @Test
    void aClientWithoutTheCapabilityHearsWhichIsMissing() throws Exception {
        try (McpClient client = client(capabilities("sampling"), BridgeToModernServerTest::answers)) {
            assertThatThrownBy(() -> client.callTool("modern__ask_name", Json.object()))
                    .isInstanceOfSatisfying(McpException.class, e -> {
                        assertThat(e.code()).isEqualTo(McpMeta.MISSING_CLIENT_CAPABILITY);
                        assertThat(e.getMessage()).contains("elicitation");
                    });
        }
        assertThat(asked).isEmpty();
    }

    @Test
    void aClientErrorEndsTheCallWithAClearError() throws Exception {
        try (McpClient client = client(capabilities("elicitation"),
                request -> CompletableFuture.failedFuture(new McpException(-1, "the user closed the form")))) {
            assertThatThrownBy(() -> client.callTool("modern__ask_name", Json.object()))
                    .isInstanceOf(McpException.class)
                    .hasMessageContaining("the user closed the form").hasMessageContaining("elicitation/create");
        }
    }

    @Test
    void aServerThatKeepsAskingIsStoppedAfterTheMaximumRounds() throws Exception {
        try (McpClient client = client(capabilities("elicitation"), BridgeToModernServerTest::answers)) {
            assertThatThrownBy(() -> client.callTool("modern__ask_forever", Json.object()))
                    .isInstanceOf(McpException.class).hasMessageContaining("after 16 rounds");
        }
        assertThat(asked).hasSize(16);
    }

    @Test
    void progressOfEveryRoundReachesTheClient() throws Exception {
        List<Double> progress = new CopyOnWriteArrayList<>();
        try (McpClient client = client(capabilities("elicitation"), BridgeToModernServerTest::answers)) {
            PendingRequest call = client.callTool("modern__ask_slowly", Json.object(),
                    p -> progress.add(p.path("progress").asDouble()));
            assertThat(text(call.result().get())).isEqualTo("Hello, Ada!");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> progress.size() >= 2);
        assertThat(progress).containsExactly(1.0, 2.0);
    }

    @Test
    void theClientsCancelWhileItIsAskedWithdrawsTheRequest() throws Exception {
        CompletableFuture<JsonNode> neverAnswered = new CompletableFuture<>();
        try (McpClient client = client(capabilities("elicitation"), request -> neverAnswered)) {
            PendingRequest call = client.callTool("modern__ask_name", Json.object(), p -> { });
            await().atMost(Duration.ofSeconds(10)).until(() -> !asked.isEmpty());
            call.cancel("the user gave up");
            await().atMost(Duration.ofSeconds(10)).until(neverAnswered::isCancelled);
            // the proxy is fine afterwards: the next call of the same client works
            client.setRequestHandler(BridgeToModernServerTest::answers);
            assertThat(text(client.callTool("modern__ask_name", Json.object()))).isEqualTo("Hello, Ada!");
        }
    }

    @Test
    void theJavaSdkClientAnswersAnElicitationOfAModernServer() {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder(proxy.baseUri().toString()).endpoint("/mcp").build();
        McpSyncClient client = io.modelcontextprotocol.client.McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(30))
                .clientInfo(new McpSchema.Implementation("java-sdk", "1"))
                .capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
                .elicitation(request -> new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT,
                        Map.of("name", "Grace")))
                .build();
        try {
            client.initialize();
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("modern__ask_name", Map.of()));
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("Hello, Grace!");
        } finally {
            client.closeGracefully();
        }
    }
}
