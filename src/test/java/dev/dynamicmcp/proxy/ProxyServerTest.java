package dev.dynamicmcp.proxy;

import dev.dynamicmcp.app.ProxyApp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole proxy, end to end: our own MCP client over Streamable HTTP, the proxy, and two fault-injecting
 * upstreams (one stdio child process, one Streamable HTTP server). The dynamic behaviours: a server going
 * down and coming back, servers added and removed at run time, an upstream's own list_changed.
 */
class ProxyServerTest {
    private HttpFault beta;
    private ProxyApp proxy;
    private McpClient client;
    private final List<ObjectNode> notifications = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        beta = FaultServer.startHttp(FaultServer.Options.builder().name("beta").build());
        proxy = ProxyApp.start(config(), ProxyApp.Options.httpOnly());
        client = new McpClient("proxy", new StreamableHttpTransport("proxy", proxy.endpoint(), Map.of(), null,
                Duration.ofSeconds(10)), McpClient.Options.defaults());
        client.addNotificationListener(notifications::add);
        client.connect(Duration.ofSeconds(20));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (beta != null) {
            beta.close();
        }
    }

    private ProxyConfig config() {
        String json = """
                {"proxy": {"port": 0, "defaults": {"requestTimeout": "10s", "backoff": {"initial": "100ms", "max": "1s"}}},
                 "mcpServers": {
                   "alpha": {"command": %s, "args": %s},
                   "beta": {"url": "%s", "transport": "streamable-http"}}}
                """.formatted(Json.write(Json.MAPPER.valueToTree(FaultServer.command().get(0))),
                Json.write(Json.MAPPER.valueToTree(FaultServer.command("--name", "alpha").subList(1,
                        FaultServer.command("--name", "alpha").size()))), beta.url());
        return ConfigLoader.parse(json, Map.of(), Path.of("."));
    }

    private List<String> toolNames() {
        return client.listTools().stream().map(t -> t.path("name").asText()).toList();
    }

    private long listChangedCount() {
        return notifications.stream().filter(n -> McpMethods.TOOLS_LIST_CHANGED.equals(n.path("method").asText())).count();
    }

    @Test
    void mergesBothServersAndPassesResultsThroughUntouched() {
        assertThat(toolNames()).contains("alpha__echo", "beta__echo", "alpha__sleep", "beta__add_tool");
        assertThat(client.info().serverInfo().path("name").asText()).isEqualTo("dynamic-mcp-proxy");

        JsonNode result = client.callTool("alpha__echo", Json.object().put("message", "through the proxy"));

        assertThat(result.path("content").get(0).path("text").asText()).contains("through the proxy");
        assertThat(result.has("structuredContent")).isTrue();
        assertThat(result.path("faultExtra").path("unknownToTheSpec").asBoolean()).isTrue();
        assertThat(result.path("faultExtra").path("nested").get(1).asText()).isEqualTo("two");
    }

    @Test
    void aKilledUpstreamLeavesTheListAndComesBack() {
        long before = listChangedCount();
        long pid = proxy.manager().client("alpha").transport().pid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(20)).until(() -> listChangedCount() > before);
        await().atMost(Duration.ofSeconds(30)).until(() -> proxy.manager().status("alpha").state() == ServerState.READY
                && toolNames().contains("alpha__echo"));
        JsonNode result = client.callTool("alpha__echo", Json.object().put("message", "back"));
        assertThat(result.path("content").get(0).path("text").asText()).contains("back");
        assertThat(proxy.manager().status("alpha").reconnects()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void serversAddedAndRemovedAtRunTimeReachClientsWithListChanged() {
        long before = listChangedCount();
        proxy.addServer(ServerConfig.stdio("gamma", FaultServer.command().get(0),
                FaultServer.command("--name", "gamma").subList(1, FaultServer.command("--name", "gamma").size())));

        await().atMost(Duration.ofSeconds(30)).until(() -> toolNames().contains("gamma__echo"));
        assertThat(listChangedCount()).isGreaterThan(before);

        long afterAdd = listChangedCount();
        assertThat(proxy.removeServer("beta")).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> listChangedCount() > afterAdd);
        assertThat(toolNames()).doesNotContain("beta__echo").contains("alpha__echo", "gamma__echo");
    }

    @Test
    void anUpstreamsOwnListChangedRefreshesTheMergedList() {
        assertThat(toolNames()).doesNotContain("beta__extra_1");

        client.callTool("beta__add_tool", Json.object());

        await().atMost(Duration.ofSeconds(10)).until(() -> toolNames().stream().anyMatch(n -> n.startsWith("beta__extra_")));
    }

    @Test
    void reloadAppliesOnlyWhatChanged() {
        ProxyConfig current = config();
        long alphaSince = proxy.manager().status("alpha").since().toEpochMilli();
        Map<String, ServerConfig> servers = new java.util.LinkedHashMap<>(current.servers());
        servers.remove("beta");
        servers.put("delta", ServerConfig.http("delta", TransportKind.STREAMABLE_HTTP, beta.url()));

        proxy.reload(current, new ProxyConfig(current.proxy(), servers));

        await().atMost(Duration.ofSeconds(20)).until(() -> toolNames().contains("delta__echo"));
        assertThat(toolNames()).doesNotContain("beta__echo");
        assertThat(proxy.manager().status("alpha").since().toEpochMilli()).as("alpha untouched").isEqualTo(alphaSince);
    }

    @Test
    void opsEndpointsReportEveryServer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI base = proxy.baseUri();

        HttpResponse<String> status = http.send(HttpRequest.newBuilder(base.resolve("/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = Json.parse(status.body());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(body.path("servers").findValuesAsText("name")).containsExactlyInAnyOrder("alpha", "beta");
        assertThat(body.path("servers").findValuesAsText("state")).containsOnly("READY");
        assertThat(body.path("proxy").path("sessions").asInt()).isGreaterThanOrEqualTo(1);

        assertThat(http.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        client.callTool("beta__echo", Json.object().put("message", "count me"));
        String metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("mcp_upstream_calls").contains("server=\"beta\"").contains("mcp_proxy_sessions")
                .contains("jvm_memory_used_bytes");
    }
}
