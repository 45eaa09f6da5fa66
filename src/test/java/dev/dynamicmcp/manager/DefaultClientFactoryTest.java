package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.transport.Transport;
import java.net.URI;
import org.eclipse.jetty.client.HttpClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared upstream HTTP client costs nothing until an HTTP server needs it, and nothing after close. */
class DefaultClientFactoryTest {

    @Test
    void theHttpClientStartsWithTheFirstHttpServerAndStopsWithTheFactory() {
        DefaultClientFactory factory = new DefaultClientFactory(McpClient.Options.defaults(), (client, key) -> { });
        try {
            Transport stdio = factory.transport(ServerConfig.stdio("child", "true", List.of()), TransportKind.STDIO);
            assertThat(stdio).isNotNull();
            assertThat(factory.httpClientIfStarted()).as("a stdio server needs no HTTP client").isNull();

            factory.transport(ServerConfig.http("remote", TransportKind.STREAMABLE_HTTP,
                    URI.create("http://127.0.0.1:9/mcp")), TransportKind.STREAMABLE_HTTP);
            factory.transport(ServerConfig.http("legacy", TransportKind.SSE,
                    URI.create("http://127.0.0.1:9/sse")), TransportKind.SSE);
            assertThat(factory.httpClientIfStarted()).isNotNull();
            assertThat(factory.httpClientIfStarted().isStarted()).isTrue();
        } finally {
            factory.close();
        }
        HttpClient http = factory.httpClientIfStarted();
        assertThat(http.isStopped()).as("stopped with the factory").isTrue();
        assertThatThrownBy(() -> factory.transport(ServerConfig.http("late", TransportKind.STREAMABLE_HTTP,
                URI.create("http://127.0.0.1:9/mcp")), TransportKind.STREAMABLE_HTTP))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
