package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.ServingLimits;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Idle expiry on the injected scheduler: the fake clock moves, the sweeper fires inside advance(); no sleeping. */
class SessionExpiryTest {
    private final EchoListener listener = new EchoListener();
    private final FakeScheduler scheduler = new FakeScheduler();
    private final StreamableHttpHandler handler = new StreamableHttpHandler(listener,
            HttpTransportOptions.DEFAULTS.withSessionIdleTimeout(Duration.ofMinutes(30)),
            new Admission(ServingLimits.DEFAULTS), null, scheduler);
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
        scheduler.advance(Duration.ofMinutes(20));
        client.post(busy, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}");
        scheduler.advance(Duration.ofMinutes(9));
        assertThat(listener.closed).isEmpty();

        scheduler.advance(Duration.ofMinutes(2)); // the sweeper runs on the scheduler: nobody calls expireIdle

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
            scheduler.advance(Duration.ofHours(2));

            assertThat(handler.expireIdle(scheduler.nanoTime())).isZero();
            assertThat(listener.closed).isEmpty();
        }
    }

    /** The sessions share the handler's scheduler: a session that asked its client holds no timer thread. */
    @Test
    void theProxysRequestToASessionsClientTimesOutOnTheHandlersScheduler() throws Exception {
        String session = client.initialize();
        PendingRequest roots = listener.open.get(session).peer().request("roots/list", Json.object(),
                RequestOptions.timeout(Duration.ofSeconds(30)));
        assertThat(scheduler.pending()).contains("rpc-timeout-roots/list");

        scheduler.advance(Duration.ofSeconds(31));

        assertThat(roots.result()).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .withMessageContaining("did not answer roots/list within 30.0 s");
    }

    @Test
    void stoppingTheHandlerClosesItsSessions() throws Exception {
        String session = client.initialize();

        server.stop();

        assertThat(listener.closed).containsExactly(session);
        assertThat(handler.sessionCount()).isZero();
    }
}
