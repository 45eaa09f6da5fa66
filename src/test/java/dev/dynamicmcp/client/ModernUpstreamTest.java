package dev.dynamicmcp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.manager.DefaultClientFactory;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.McpResults;
import dev.dynamicmcp.testsupport.ModernPeers;
import dev.dynamicmcp.testsupport.Peers;
import dev.dynamicmcp.transport.StdioTransport;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import dev.dynamicmcp.transport.Transport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client against real MCP 2026-07-28 servers (@modelcontextprotocol/server 2.4.0) over Streamable HTTP and
 * stdio, and against a 2025 server (server-everything), all with version negotiation ({@link Handshake#auto()}).
 */
class ModernUpstreamTest {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final McpClient.Options OPTIONS = new McpClient.Options(
            Json.object().put("name", "modern-test").put("version", "1"), DefaultClientFactory.relayCapabilities(),
            TIMEOUT);
    static ModernPeers.Server http;

    @BeforeAll
    static void startServer() {
        http = ModernPeers.startHttp();
    }

    @AfterAll
    static void stopServer() {
        if (http != null) {
            http.close();
        }
    }

    static McpClient connect(Transport transport) throws Exception {
        McpClient client = new McpClient("modern", transport, OPTIONS, null, Handshake.auto());
        client.connect(TIMEOUT);
        return client;
    }

    static Transport httpTransport(URI url) {
        return new StreamableHttpTransport("modern", url, Map.of(), null, Duration.ofSeconds(10));
    }

    static Transport stdioTransport(List<String> command) {
        return new StdioTransport("modern", command.get(0), command.subList(1, command.size()), Map.of(),
                Peers.dir());
    }

    static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    @Test
    void httpServerIsSpokenToInTheModernRevision() throws Exception {
        try (McpClient client = connect(httpTransport(http.url()))) {
            assertModernSession(client);
            // the server validates Mcp-Param-* against the body: the call only works if they are sent right
            assertThat(text(client.callTool("header_echo", Json.object().put("region", " eu-west\u00e9 ")
                    .put("count", 3)))).isEqualTo("region= eu-west\u00e9  count=3");
            assertThat(((StreamableHttpTransport) client.transport()).sessionId()).isNull();
        }
    }

    @Test
    void stdioServerIsSpokenToInTheModernRevision() throws Exception {
        try (McpClient client = connect(stdioTransport(ModernPeers.stdioCommand()))) {
            assertModernSession(client);
        }
    }

    private static void assertModernSession(McpClient client) throws Exception {
        assertThat(client.revision()).isEqualTo("2026-07-28");
        assertThat(client.isModern()).isTrue();
        assertThat(client.info().serverInfo().path("name").asText()).isEqualTo("modern-upstream");
        assertThat(client.info().instructions()).isEqualTo("A modern test server.");
        assertThat(client.info().hasCapabilityFlag("tools", "listChanged")).isTrue();

        List<String> tools = client.listTools().stream().map(t -> t.path("name").asText()).toList();
        assertThat(tools).contains("add_numbers", "echo", "header_echo", "ask_name")
                .doesNotContain("bad_header_tool"); // an invalid x-mcp-header: a client must not offer it
        JsonNode sum = client.callTool("add_numbers", Json.object().put("a", 2).put("b", 3));
        assertThat(text(sum)).isEqualTo("The sum of 2 and 3 is 5");
        assertThat(McpResults.resultType(sum)).isEqualTo(McpResults.COMPLETE);
        assertThat(client.readResource("test://static-text").path("contents").path(0).path("text").asText())
                .isEqualTo("static text");
        assertThat(client.getPrompt("greeting", Json.object().put("name", "Ada")).path("messages").path(0)
                .path("content").path("text").asText()).isEqualTo("Hello Ada");

        // the removed methods: ping is a discover, setLevel becomes the logLevel of later requests
        client.ping(Duration.ofSeconds(5));
        client.setLogLevel("debug");
        ObjectNode echoed = (ObjectNode) Json.parse(text(client.callTool("echo", Json.object().put("text", "hi"))));
        assertThat(echoed.path("logLevel").asText()).isEqualTo("debug");
        assertThat(echoed.path("clientInfo").path("name").asText()).isEqualTo("modern-test");

        // input_required comes back unchanged, for the caller (the bridge) to act on
        JsonNode asked = client.callTool("ask_name", Json.object());
        assertThat(McpResults.isInputRequired(asked)).isTrue();
        assertThat(asked.path(McpResults.INPUT_REQUESTS).path("user_name").path("method").asText())
                .isEqualTo(McpMethods.ELICITATION_CREATE);

        // list_changed and resource updates come over subscriptions/listen, in their 2025 shape
        List<ObjectNode> notifications = new CopyOnWriteArrayList<>();
        client.addNotificationListener(notifications::add);
        client.subscribe("test://static-text");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            client.callTool("touch_resource", Json.object());
            assertThat(notifications).anyMatch(n -> McpMethods.RESOURCES_UPDATED.equals(n.path("method").asText()));
        });
        client.callTool("add_tool", Json.object());
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications.stream()
                .anyMatch(n -> McpMethods.TOOLS_LIST_CHANGED.equals(n.path("method").asText())));
        assertThat(notifications).noneMatch(n -> n.path("params").path("_meta").has(McpMeta.SUBSCRIPTION_ID))
                .noneMatch(n -> McpMethods.SUBSCRIPTIONS_ACKNOWLEDGED.equals(n.path("method").asText()));
        assertThat(client.listTools()).anyMatch(t -> t.path("name").asText().startsWith("extra_"));
    }

    @Test
    void a2025StdioServerStillGetsInitialize() throws Exception {
        try (McpClient client = connect(stdioTransport(Peers.everythingStdioCommand()))) {
            assertThat(client.isModern()).isFalse();
            assertThat(McpMethods.PROTOCOL_VERSIONS).contains(client.revision());
            assertThat(client.listTools()).isNotEmpty();
            client.ping(Duration.ofSeconds(5));
        }
    }

    @Test
    void a2025HttpServerStillGetsInitialize() throws Exception {
        try (Peers.NodeServer everything = Peers.startEverythingHttp();
             McpClient client = connect(httpTransport(everything.url()))) {
            assertThat(client.isModern()).isFalse();
            assertThat(McpMethods.PROTOCOL_VERSIONS).contains(client.revision());
            assertThat(((StreamableHttpTransport) client.transport()).sessionId()).isNotNull();
            assertThat(client.listTools()).isNotEmpty();
        }
    }
}
