package dev.dynamicmcp.proxy;

import dev.dynamicmcp.app.ProxyApp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code "isolation": "session"}: one upstream session per client session, closed with it. */
class IsolationTest {

    private static McpClient connect(ProxyApp proxy, String name) throws Exception {
        McpClient client = new McpClient(name, new StreamableHttpTransport(name, proxy.endpoint(), Map.of(), null,
                Duration.ofSeconds(10)), McpClient.Options.defaults());
        client.connect(Duration.ofSeconds(20));
        return client;
    }

    @Test
    void eachClientSessionGetsItsOwnUpstreamSessionWhichEndsWithIt() throws Exception {
        try (HttpFault upstream = FaultServer.startHttp(FaultServer.Options.builder().name("stateful").build())) {
            String json = """
                    {"proxy": {"port": 0},
                     "mcpServers": {"stateful": {"url": "%s", "transport": "streamable-http", "isolation": "session"}}}
                    """.formatted(upstream.url());
            ProxyConfig config = ConfigLoader.parse(json, Map.of(), Path.of("."));
            try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.httpOnly())) {
                int shared = upstream.initializeCount(); // the manager's own connection (health, discovery)
                McpClient first = connect(proxy, "first");
                McpClient second = connect(proxy, "second");

                first.callTool("stateful__echo", Json.object().put("message", "one"));
                first.callTool("stateful__echo", Json.object().put("message", "two"));
                second.callTool("stateful__echo", Json.object().put("message", "three"));

                assertThat(upstream.initializeCount()).isEqualTo(shared + 2);
                int deletedBefore = upstream.deletedSessions().size();
                first.close(); // DELETE of the client session closes its upstream session

                await().atMost(Duration.ofSeconds(10))
                        .until(() -> upstream.deletedSessions().size() == deletedBefore + 1);
                assertThat(second.callTool("stateful__echo", Json.object().put("message", "still here"))
                        .path("content").get(0).path("text").asText()).contains("still here");
                assertThat(upstream.initializeCount()).isEqualTo(shared + 2);
                second.close();
            }
        }
    }
}
