package dev.dynamicmcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 6 through the whole proxy: when an HTTP upstream dies, its state leaves READY on the first failed
 * call, and a client calling its tool afterwards is told the server is down (name, state, last error), not
 * "-32602 Unknown tool".
 */
class DownServerEndToEndTest {
    @Test
    void aClientCallingAToolOfADeadHttpServerIsToldTheServerIsDown() throws Exception {
        HttpFault upstream = FaultServer.startHttp(FaultServer.Options.builder().name("remote").build());
        String json = """
                {"proxy": {"port": 0},
                 "mcpServers": {"remote": {"url": "%s", "transport": "streamable-http",
                                           "backoff": {"initial": "30s", "max": "60s"}}}}
                """.formatted(upstream.url());
        ProxyConfig config = ConfigLoader.parse(json, Map.of(), Path.of("."));
        try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.httpOnly());
             McpClient client = new McpClient("client", new StreamableHttpTransport("client", proxy.endpoint(),
                     Map.of(), null, Duration.ofSeconds(10)), McpClient.Options.defaults())) {
            client.connect(Duration.ofSeconds(10));
            assertThat(client.callTool("remote__echo", Json.object().put("message", "hi")).path("isError").asBoolean())
                    .isFalse();

            upstream.close();
            JsonNode failed = client.callTool("remote__echo", Json.object().put("message", "lost"));
            assertThat(failed.path("isError").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.manager().status("remote").state() != ServerState.READY);

            JsonNode down = client.callTool("remote__echo", Json.object().put("message", "again"));
            assertThat(down.path("isError").asBoolean()).isTrue();
            assertThat(down.path("content").get(0).path("text").asText())
                    .contains("server \"remote\"").contains(proxy.manager().status("remote").state().name())
                    .doesNotContain("Unknown tool");
        }
    }
}
