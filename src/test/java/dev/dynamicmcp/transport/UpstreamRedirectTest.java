package dev.dynamicmcp.transport;

import static dev.dynamicmcp.transport.RawMessages.initialize;
import static dev.dynamicmcp.transport.StubHttpServer.idOf;
import static dev.dynamicmcp.transport.StubHttpServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redirects of an upstream HTTP server are followed only where the configured headers and credentials may go:
 * on the same origin, with every header and the body; never to another origin or from https to http; a POST
 * is never turned into a GET; a loop ends after {@value Redirects#MAX_REDIRECTS} hops. Each refusal is an
 * {@link UpstreamFailure} that names the location and what to do.
 */
class UpstreamRedirectTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Map<String, String> HEADERS = Map.of("X-Api-Key", "k-123", "Authorization", "Bearer configured");

    private final HttpClient client = UpstreamHttpClient.start();
    private final RecordingListener listener = new RecordingListener();
    private StubHttpServer stub;
    private StubHttpServer other;
    private Transport transport;
    private HttpClient ownClient;

    @AfterEach
    void tearDown() {
        if (transport != null) {
            transport.close();
        }
        for (StubHttpServer server : new StubHttpServer[] {stub, other}) {
            if (server != null) {
                server.close();
            }
        }
        UpstreamHttpClient.stop(client);
        if (ownClient != null) {
            UpstreamHttpClient.stop(ownClient);
        }
    }

    private StreamableHttpTransport open(URI url, HttpClient with, UpstreamAuth auth) {
        StreamableHttpTransport http = new StreamableHttpTransport("remote", url, HEADERS, with, CONNECT_TIMEOUT,
                null, auth);
        http.start(listener);
        transport = http;
        return http;
    }

    /**
     * POSTs to /mcp are redirected with {@code status} to {@code location} ("{port}": the stub's own);
     * /mcp/ answers initialize.
     */
    private static StubHttpServer redirecting(int status, String location) throws IOException {
        return new StubHttpServer().on("POST", (exchange, request) -> {
            if (request.path().equals("/mcp")) {
                exchange.getResponseHeaders().add("Location",
                        location.replace("{port}", String.valueOf(exchange.getLocalAddress().getPort())));
                exchange.sendResponseHeaders(status, -1);
            } else {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body())
                        + ",\"result\":{\"protocolVersion\":\"2025-06-18\"}}", Map.of("Mcp-Session-Id", "s-1"));
            }
        });
    }

    @Test
    void aSameOrigin307KeepsThePostItsBodyAndEveryConfiguredHeaderIncludingAuthorization() throws Exception {
        stub = redirecting(307, "/mcp/");
        stub.on("GET", (exchange, request) -> {
            if (request.path().equals("/mcp")) {
                exchange.getResponseHeaders().add("Location", "/mcp/");
                exchange.sendResponseHeaders(302, -1);
            } else {
                exchange.sendResponseHeaders(405, -1); // no GET stream: the stream is not asked for again
            }
        });
        StreamableHttpTransport http = open(stub.url("/mcp"), client, UpstreamAuth.NONE);

        http.send(initialize(1));

        assertThat(listener.awaitResponse(1).path("result").path("protocolVersion").asText()).isEqualTo("2025-06-18");
        assertThat(http.sessionId()).isEqualTo("s-1");
        StubHttpServer.Recorded first = stub.requests("POST").get(0);
        StubHttpServer.Recorded redirected = stub.requests("POST").get(1);
        assertThat(redirected.path()).isEqualTo("/mcp/");
        assertThat(redirected.body()).isEqualTo(first.body()).contains("\"initialize\"");
        assertThat(redirected.header("X-Api-Key")).isEqualTo("k-123");
        assertThat(redirected.header("Authorization")).isEqualTo("Bearer configured");
        assertThat(redirected.header("Content-Type")).startsWith("application/json");

        // a GET (the session's stream) follows a 302 too, with the session id and the headers
        http.onInitialized("2025-06-18");
        StubHttpServer.Recorded get = await().atMost(Duration.ofSeconds(10)).until(() -> stub.requests("GET")
                .stream().filter(r -> r.path().equals("/mcp/")).findFirst().orElse(null), r -> r != null);
        assertThat(get.header("Mcp-Session-Id")).isEqualTo("s-1");
        assertThat(get.header("Authorization")).isEqualTo("Bearer configured");
        assertThat(get.header("X-Api-Key")).isEqualTo("k-123");
    }

    @Test
    void aSameOrigin308ToAnAbsoluteLocationKeepsTheOAuthToken() throws Exception {
        stub = redirecting(308, "http://127.0.0.1:{port}/mcp/");
        UpstreamAuthTransportTest.FakeAuth auth = new UpstreamAuthTransportTest.FakeAuth();
        open(stub.url("/mcp"), client, auth).send(initialize(1));

        listener.awaitResponse(1);
        assertThat(stub.requests("POST")).extracting(StubHttpServer.Recorded::path).containsExactly("/mcp", "/mcp/");
        assertThat(stub.requests("POST").get(1).header("Authorization")).isEqualTo("Bearer stale");
        assertThat(stub.requests("POST").get(1).header("X-Api-Key")).isEqualTo("k-123");
    }

    @Test
    void aRedirectToAnotherOriginIsRefusedAndNothingIsSentThere() throws Exception {
        other = new StubHttpServer().on("POST", (exchange, request) -> json(exchange, 200, "{}", Map.of()));
        URI elsewhere = other.url("/mcp");
        stub = redirecting(307, elsewhere + "?token=abc");
        open(stub.url("/mcp"), client, UpstreamAuth.NONE);

        UpstreamFailure refused = catchThrowableOfType(UpstreamFailure.class, () -> transport.send(initialize(1)));

        assertThat(refused).hasMessageContaining("server 'remote': redirected to another origin (" + elsewhere + ")")
                .hasMessageContaining("set the server's url to it")
                .hasMessageNotContaining("token=abc");
        assertThat(refused.detail()).contains(elsewhere + "?token=abc"); // the operator sees the whole location
        assertThat(other.requests).isEmpty();

        // another host name for the same address is another origin as well
        stub.close();
        int port = stub.url("/").getPort();
        stub = redirecting(307, "http://localhost:" + port + "/mcp/");
        open(stub.url("/mcp"), client, UpstreamAuth.NONE);
        assertThat(catchThrowableOfType(UpstreamFailure.class, () -> transport.send(initialize(2))))
                .hasMessageContaining("redirected to another origin (http://localhost:" + port + "/mcp/)");
        assertThat(stub.requests).hasSize(1);
    }

    @Test
    void aPostAnswered302IsNotTurnedIntoAGetWithoutItsBody() throws Exception {
        stub = redirecting(302, "/mcp/");
        open(stub.url("/mcp"), client, UpstreamAuth.NONE);

        UpstreamFailure refused = catchThrowableOfType(UpstreamFailure.class, () -> transport.send(initialize(1)));

        assertThat(refused).hasMessageContaining("answered POST with HTTP 302 (" + stub.url("/mcp/") + ")")
                .hasMessageContaining("GET without its body").hasMessageContaining("set the server's url");
        assertThat(stub.requests).hasSize(1);
    }

    @Test
    void aRedirectLoopStopsAfterFiveHops() throws Exception {
        stub = redirecting(307, "/mcp");
        open(stub.url("/mcp"), client, UpstreamAuth.NONE);

        UpstreamFailure refused = catchThrowableOfType(UpstreamFailure.class, () -> transport.send(initialize(1)));

        assertThat(refused).hasMessage("server 'remote': redirected more than 5 times (last to " + stub.url("/mcp")
                + "); set the server's url to where it ends");
        assertThat(stub.requests("POST")).hasSize(1 + Redirects.MAX_REDIRECTS);
    }

    @Test
    void aRedirectFromHttpsToPlainHttpIsRefused(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.generate(dir, "upstream", "ip:127.0.0.1");
        other = new StubHttpServer().on("POST", (exchange, request) -> json(exchange, 200, "{}", Map.of()));
        URI plain = other.url("/mcp");
        stub = new StubHttpServer(tls.serverContext()).on("POST", (exchange, request) -> {
            exchange.getResponseHeaders().add("Location", plain.toString());
            exchange.sendResponseHeaders(307, -1);
        });
        ownClient = tls.trusting(() -> UpstreamHttpClient.withTlsNow(UpstreamHttpClient.start()));
        open(stub.url("/mcp"), ownClient, UpstreamAuth.NONE);

        UpstreamFailure refused = catchThrowableOfType(UpstreamFailure.class, () -> transport.send(initialize(1)));

        assertThat(refused).hasMessage("server 'remote': redirected from https to plain http (" + plain
                + "); refusing to send its headers unencrypted");
        assertThat(stub.requests).hasSize(1); // the https server was reached (and trusted)
        assertThat(other.requests).isEmpty();
    }
}
