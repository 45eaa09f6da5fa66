package dev.dynamicmcp.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Profiles over HTTP (issue 10, section 3): {@code /mcp/{profile}} serves only what the profile exposes, a
 * tool outside it is unknown there, a session is bound to the endpoint that opened it, and a profile's token
 * opens its endpoint and nothing else.
 */
class ProfileEndpointsTest {
    private HttpFault alpha;
    private HttpFault beta;
    private ProxyApp app;
    private ProxyConfig config;

    @BeforeEach
    void start() throws Exception {
        alpha = FaultServer.startHttp(FaultServer.Options.builder().name("alpha").build());
        beta = FaultServer.startHttp(FaultServer.Options.builder().name("beta").build());
        String json = """
                {"proxy": {"port": 0, "authToken": "proxy-token"},
                 "mcpServers": {"alpha": {"url": "%s", "transport": "streamable-http"},
                                "beta": {"url": "%s", "transport": "streamable-http"}},
                 "profiles": {"reviewer": {"servers": {"alpha": {"tools": {"allow": ["echo"]}}},
                                           "token": "reviewer-token"},
                              "open": {"servers": {"beta": {}}}}}
                """.formatted(alpha.url(), beta.url());
        config = ConfigLoader.parse(json, Map.of(), Path.of("."));
        app = ProxyApp.start(config, ProxyApp.Options.httpOnly());
    }

    @AfterEach
    void stop() {
        app.close();
        alpha.close();
        beta.close();
    }

    private McpClient client(String path, String token) throws Exception {
        URI endpoint = app.baseUri().resolve(path);
        McpClient client = new McpClient("c", new StreamableHttpTransport("c", endpoint,
                Map.of("Authorization", "Bearer " + token), null, Duration.ofSeconds(10)), McpClient.Options.defaults());
        client.connect(Duration.ofSeconds(10));
        return client;
    }

    private static List<String> toolNames(McpClient client) {
        return client.listTools().stream().map(t -> t.path("name").asText()).toList();
    }

    @Test
    void aProfileEndpointServesOnlyWhatItsProfileExposesAndTheRestIsUnknown() throws Exception {
        try (McpClient everything = client("/mcp", "proxy-token");
             McpClient reviewer = client("/mcp/reviewer", "reviewer-token")) {
            assertThat(toolNames(everything)).contains("alpha__echo", "alpha__add", "beta__echo");
            assertThat(toolNames(reviewer)).containsExactly("alpha__echo");

            JsonNode echoed = reviewer.callTool("alpha__echo", Json.object().put("message", "hi"));
            assertThat(echoed.path("content").get(0).path("text").asText()).isEqualTo("hi");
            assertThatThrownBy(() -> reviewer.callTool("alpha__add", Json.object().put("a", 1).put("b", 2)))
                    .isInstanceOf(McpException.class).hasMessageContaining("Unknown tool");
            assertThatThrownBy(() -> reviewer.callTool("beta__echo", Json.object().put("message", "x")))
                    .isInstanceOf(McpException.class).hasMessageContaining("Unknown tool");
        }
    }

    @Test
    void aProfileTokenOpensItsEndpointOnlyAndTheProxyTokenOpensAll() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(initialize(http, "/mcp", "reviewer-token").statusCode()).isEqualTo(401);
        assertThat(initialize(http, "/mcp/open", "reviewer-token").statusCode()).isEqualTo(401);
        assertThat(initialize(http, "/mcp/reviewer", "wrong").statusCode()).isEqualTo(401);
        assertThat(initialize(http, "/mcp/reviewer", "reviewer-token").statusCode()).isEqualTo(200);
        assertThat(initialize(http, "/mcp/reviewer", "proxy-token").statusCode()).isEqualTo(200);
        assertThat(initialize(http, "/mcp/open", "proxy-token").statusCode()).isEqualTo(200);

        HttpResponse<String> unknown = initialize(http, "/mcp/nobody", "proxy-token");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no profile named \\\"nobody\\\"");
    }

    @Test
    void aSessionIsBoundToTheEndpointThatOpenedIt() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> opened = initialize(http, "/mcp", "proxy-token");
        String session = opened.headers().firstValue("Mcp-Session-Id").orElseThrow();

        HttpResponse<String> elsewhere = http.send(post("/mcp/reviewer", "proxy-token")
                .header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertThat(elsewhere.body()).contains("was not opened on /mcp/reviewer");
    }

    @Test
    void aProfileAddedByAReloadIsServedAtOnce() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(initialize(http, "/mcp/writer", "proxy-token").statusCode()).isEqualTo(404);
        String json = """
                {"proxy": {"port": 0, "authToken": "proxy-token"},
                 "mcpServers": {"alpha": {"url": "%s", "transport": "streamable-http"},
                                "beta": {"url": "%s", "transport": "streamable-http"}},
                 "profiles": {"writer": {"servers": {"beta": {"tools": {"allow": ["add"]}}}}}}
                """.formatted(alpha.url(), beta.url());
        ProxyConfig next = ConfigLoader.parse(json, Map.of(), Path.of("."));

        app.reload(config, next);

        try (McpClient writer = client("/mcp/writer", "proxy-token")) {
            assertThat(toolNames(writer)).containsExactly("beta__add");
        }
        assertThat(initialize(http, "/mcp/reviewer", "reviewer-token").statusCode()).as("the removed profile")
                .isIn(401, 404);
    }

    @Test
    void aModernRequestOnAProfileEndpointIsRefusedInsteadOfSeeingEveryServer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String discover = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
                + "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
        HttpResponse<String> refused = http.send(post("/mcp/reviewer", "reviewer-token")
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/list")
                .POST(HttpRequest.BodyPublishers.ofString(discover)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("\"id\":9").contains("profile endpoints").doesNotContain("beta__echo");

        HttpResponse<String> served = http.send(post("/mcp", "proxy-token")
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/list")
                .POST(HttpRequest.BodyPublishers.ofString(discover)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).contains("beta__echo");
    }

    private HttpRequest.Builder post(String path, String token) {
        return HttpRequest.newBuilder(app.baseUri().resolve(path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
    }

    private HttpResponse<String> initialize(HttpClient http, String path, String token) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
        return http.send(post(path, token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
