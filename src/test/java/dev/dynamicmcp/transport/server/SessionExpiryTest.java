package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Idle expiry with an injected clock: no sleeping. */
class SessionExpiryTest {
    private final EchoListener listener = new EchoListener();
    private final AtomicLong now = new AtomicLong(1_000);
    private final StreamableHttpHandler handler = new StreamableHttpHandler(listener,
            HttpTransportOptions.DEFAULTS.withSessionIdleTimeout(Duration.ofMinutes(30)), now::get);
    private Server server;
    private McpHttpTestClient client;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        client = new McpHttpTestClient(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/mcp"));
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @Test
    void aSessionIdleForTheTimeoutIsClosedAndActivityPostponesIt() throws Exception {
        String idle = client.initialize();
        String busy = client.initialize();
        now.addAndGet(Duration.ofMinutes(20).toNanos());
        client.post(busy, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}");
        now.addAndGet(Duration.ofMinutes(11).toNanos());

        int expired = handler.expireIdle(now.get());

        assertThat(expired).isEqualTo(1);
        assertThat(listener.closed).containsExactly(idle);
        assertThat(client.post(idle, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\"}").statusCode())
                .isEqualTo(404);
        assertThat(client.post(busy, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\"}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void aSessionWithAnOpenGetStreamDoesNotExpire() throws Exception {
        String session = client.initialize();
        try (var stream = client.get(session)) {
            assertThat(stream.status()).isEqualTo(200);
            now.addAndGet(Duration.ofHours(2).toNanos());

            assertThat(handler.expireIdle(now.get())).isZero();
            assertThat(listener.closed).isEmpty();
        }
    }

    @Test
    void stoppingTheHandlerClosesItsSessions() throws Exception {
        String session = client.initialize();

        server.stop();

        assertThat(listener.closed).containsExactly(session);
        assertThat(handler.sessionCount()).isZero();
    }
}
