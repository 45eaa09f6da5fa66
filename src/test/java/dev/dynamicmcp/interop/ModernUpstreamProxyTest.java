package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.ModernPeers;
import dev.dynamicmcp.testsupport.Peers;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 2025-era clients through the proxy to MCP 2026-07-28 upstreams (the SDK 2.4.0 fixture over Streamable
 * HTTP and over stdio) next to a 2025 upstream: calls that need no input work unchanged, list_changed from a
 * modern server's listen stream reaches the old client, and /status-side revisions are right.
 */
class ModernUpstreamProxyTest {
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
                   "modernstdio": {"command": %s, "args": [%s, "--stdio"]},
                   "legacy": {"command": "sh", "args": [%s]}}}
                """.formatted(modernHttp.url(), quote(stdio.get(0)), quote(stdio.get(1)),
                quote(Path.of("src/test/resources/manager/sh-mcp-server.sh").toAbsolutePath().toString()));
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

    static String quote(String text) {
        return Json.write(Json.MAPPER.getNodeFactory().textNode(text));
    }

    static dev.dynamicmcp.client.McpClient legacyClient() throws Exception {
        dev.dynamicmcp.client.McpClient client = new dev.dynamicmcp.client.McpClient("proxy",
                new StreamableHttpTransport("proxy", proxy.endpoint(), Map.of(), null, Duration.ofSeconds(10)),
                dev.dynamicmcp.client.McpClient.Options.defaults());
        client.connect(Duration.ofSeconds(10));
        return client;
    }

    @Test
    void eachUpstreamSpeaksItsRevision() {
        assertThat(proxy.manager().status("modern").state()).isEqualTo(ServerState.READY);
        assertThat(proxy.manager().status("modern").revision()).isEqualTo("2026-07-28");
        assertThat(proxy.manager().status("modernstdio").revision()).isEqualTo("2026-07-28");
        assertThat(proxy.manager().status("legacy").revision()).isEqualTo("2025-06-18");
    }

    @Test
    void anOldClientCallsAModernServersToolsThroughTheProxy() throws Exception {
        try (dev.dynamicmcp.client.McpClient client = legacyClient()) {
            assertThat(client.revision()).isEqualTo(McpMethods.LATEST_PROTOCOL_VERSION); // the proxy is 2025 to it
            List<String> tools = client.listTools().stream().map(t -> t.path("name").asText()).toList();
            assertThat(tools).contains("modern__add_numbers", "modernstdio__add_numbers", "legacy__echo")
                    .doesNotContain("modern__bad_header_tool");
            for (String server : List.of("modern", "modernstdio")) {
                JsonNode sum = client.callTool(server + "__add_numbers", Json.object().put("a", 2).put("b", 3));
                assertThat(sum.path("content").path(0).path("text").asText()).isEqualTo("The sum of 2 and 3 is 5");
            }
            JsonNode header = client.callTool("modern__header_echo", Json.object().put("region", "eu").put("count", 7));
            assertThat(header.path("content").path(0).path("text").asText()).isEqualTo("region=eu count=7");
            assertThat(client.readResource("test://static-text").path("contents").path(0).path("text").asText())
                    .isEqualTo("static text");
        }
    }

    /** A modern server's resource-not-found (-32602, data {uri}) is the older revisions' -32002 to an old client. */
    @Test
    void anOldClientGetsResourceNotFoundInItsOwnRevisionsCode() throws Exception {
        try (dev.dynamicmcp.client.McpClient client = legacyClient()) {
            assertThat(client.readResource("test://notes/1").path("contents").path(0).path("text").asText())
                    .isEqualTo("note 1");
            assertThatThrownBy(() -> client.readResource("test://notes/404"))
                    .isInstanceOfSatisfying(McpException.class, error -> {
                        assertThat(error.code()).isEqualTo(-32002);
                        assertThat(error.data().path("uri").asText()).isEqualTo("test://notes/404");
                    });
        }
    }

    @Test
    void aModernServersListChangedReachesAnOldClient() throws Exception {
        try (dev.dynamicmcp.client.McpClient client = legacyClient()) {
            List<ObjectNode> notifications = new CopyOnWriteArrayList<>();
            client.addNotificationListener(notifications::add);
            client.callTool("modern__add_tool", Json.object());
            await().atMost(Duration.ofSeconds(15)).until(() -> notifications.stream()
                    .anyMatch(n -> McpMethods.TOOLS_LIST_CHANGED.equals(n.path("method").asText())));
            await().atMost(Duration.ofSeconds(15)).until(() -> client.listTools().stream()
                    .anyMatch(t -> t.path("name").asText().startsWith("modern__extra_")));
        }
    }

    /** The echo tool says which log level its request carried (null: none). */
    static JsonNode echoed(dev.dynamicmcp.client.McpClient client) {
        return Json.parse(client.callTool("modern__echo", Json.object().put("text", "hi"))
                .path("content").path(0).path("text").asText());
    }

    @Test
    void anOldClientsLogLevelRidesOnEachOfItsRequestsToAModernServer() throws Exception {
        try (dev.dynamicmcp.client.McpClient quiet = legacyClient();
             dev.dynamicmcp.client.McpClient verbose = legacyClient()) {
            assertThat(echoed(verbose).path("logLevel").isNull()).as("no level set: none sent").isTrue();
            List<ObjectNode> heard = new CopyOnWriteArrayList<>();
            verbose.addNotificationListener(heard::add);
            verbose.request(McpMethods.LOGGING_SET_LEVEL, Json.object().put("level", "info"),
                    dev.dynamicmcp.protocol.RequestOptions.timeout(Duration.ofSeconds(10))).result().get();

            assertThat(echoed(verbose).path("logLevel").asText()).isEqualTo("info");
            assertThat(echoed(quiet).path("logLevel").isNull()).as("a level is the caller's, not the connection's")
                    .isTrue();
            verbose.callTool("modern__log_line", Json.object());
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream().anyMatch(n ->
                    McpMethods.LOGGING_MESSAGE.equals(n.path("method").asText())
                            && n.path("params").path("data").asText().contains("a line from the modern server")));
        }
    }

    @Test
    void anOldClientsSubscriptionBecomesAListenFilterAndItsUpdatesReachIt() throws Exception {
        try (dev.dynamicmcp.client.McpClient client = legacyClient()) {
            List<ObjectNode> notifications = new CopyOnWriteArrayList<>();
            client.addNotificationListener(notifications::add);
            client.request(McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", "test://static-text"),
                    dev.dynamicmcp.protocol.RequestOptions.timeout(Duration.ofSeconds(10))).result().get();
            // the listen stream is reopened with the new filter; touch until an update comes through it
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                client.callTool("modern__touch_resource", Json.object());
                return notifications.stream().anyMatch(n -> McpMethods.RESOURCES_UPDATED.equals(n.path("method").asText())
                        && "test://static-text".equals(n.path("params").path("uri").asText()));
            });
            ObjectNode update = notifications.stream()
                    .filter(n -> McpMethods.RESOURCES_UPDATED.equals(n.path("method").asText())).findFirst().orElseThrow();
            assertThat(update.path("params").path("_meta").has(dev.dynamicmcp.protocol.McpMeta.SUBSCRIPTION_ID))
                    .as("the subscription id is the proxy's business, not the old client's").isFalse();
        }
    }

    @Test
    void theJavaSdkClientCallsAModernServerThroughTheProxy() {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder(proxy.baseUri().toString()).endpoint("/mcp").build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30))
                .clientInfo(new McpSchema.Implementation("java-sdk", "1")).build();
        try {
            client.initialize();
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("modernstdio__add_numbers",
                    Map.of("a", 20, "b", 22)));
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("The sum of 20 and 22 is 42");
            McpSchema.GetPromptResult prompt = client.getPrompt(new McpSchema.GetPromptRequest("modern__greeting",
                    Map.of("name", "Ada")));
            assertThat(((McpSchema.TextContent) prompt.messages().get(0).content()).text()).isEqualTo("Hello Ada");
        } finally {
            client.closeGracefully();
        }
    }
}
