package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.ProxySettings;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The official MCP Java SDK client against our Streamable HTTP handler. */
class SdkInteropTest {

    @Test
    void theSdkClientInitializesAndCallsATool() throws Exception {
        EchoListener listener = new EchoListener();
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(), "__", null,
                1 << 20, 8, ProxySettings.DEFAULTS.defaults());
        try (HttpServerHost host = new HttpServerHost(settings, listener)) {
            host.start();
            var transport = HttpClientStreamableHttpTransport.builder(host.uri().toString()).endpoint("/mcp").build();
            McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(10)).build();
            try {
                McpSchema.InitializeResult init = client.initialize();
                McpSchema.CallToolResult result = client.callTool(
                        new McpSchema.CallToolRequest("echo", Map.of("text", "hello")));

                assertThat(init.serverInfo().name()).isEqualTo("echo");
                assertThat(listener.open).hasSize(1);
                assertThat(result.content()).hasSize(1);
                assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("echo: hello");
            } finally {
                client.closeGracefully();
            }
        }
    }
}
