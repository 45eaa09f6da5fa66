package dev.dynamicmcp.transport;

import static dev.dynamicmcp.transport.RawMessages.initialize;
import static dev.dynamicmcp.transport.RawMessages.toolsList;
import static dev.dynamicmcp.transport.StubHttpServer.event;
import static dev.dynamicmcp.transport.StubHttpServer.idOf;
import static dev.dynamicmcp.transport.StubHttpServer.json;
import static dev.dynamicmcp.transport.StubHttpServer.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP transports with an {@link UpstreamAuth}: its headers on every request (POST, GET stream, DELETE),
 * a refusal answered by sending once more with renewed credentials, and "needs sign-in" as a clear failure,
 * never a loop.
 */
class UpstreamAuthTransportTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final String CHALLENGE = "Bearer resource_metadata=\"http://127.0.0.1/.well-known/oauth-protected-resource\"";

    private final HttpClient client = UpstreamHttpClient.start();
    private final RecordingListener listener = new RecordingListener();
    private StubHttpServer stub;
    private Transport transport;

    @AfterEach
    void tearDown() {
        if (transport != null) {
            transport.close();
        }
        if (stub != null) {
            stub.close();
        }
        UpstreamHttpClient.stop(client);
    }

    /** Credentials with knobs: the token it sends, and what a refusal turns into. */
    static final class FakeAuth implements UpstreamAuth {
        volatile String token = "stale";
        volatile Outcome onRefusal = new Outcome(Outcome.Kind.RETRY, "renewed", null);
        volatile String renewedTo = "fresh";
        final List<String> refusals = new CopyOnWriteArrayList<>();
        /** The thread each refusal was handled on (a renewal may block: never the HTTP client's). */
        final List<Thread> refusedOn = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> headers(URI target) {
            return Map.of("Authorization", "Bearer " + token);
        }

        @Override
        public Outcome onUnauthorized(int status, String wwwAuthenticate) {
            refusals.add(status + " " + wwwAuthenticate);
            refusedOn.add(Thread.currentThread());
            if (onRefusal.kind() == Outcome.Kind.RETRY) {
                token = renewedTo;
            }
            return onRefusal;
        }

        @Override
        public Status status() {
            return new Status(State.AUTHORIZED, "fake", null);
        }
    }

    /** A Streamable HTTP server that takes only {@code Bearer fresh}; a session, a GET stream it refuses (405). */
    private static boolean fresh(StubHttpServer.Recorded request) {
        return "Bearer fresh".equals(request.header("Authorization"));
    }

    private StubHttpServer freshOnly() throws IOException {
        StubHttpServer.Handler refuseStale = (exchange, request) -> {
            if (!fresh(request)) {
                json(exchange, 401, "{\"error\":\"invalid_token\"}", Map.of("WWW-Authenticate", CHALLENGE));
            } else if (request.method().equals("POST")) {
                json(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body())
                        + ",\"result\":{\"protocolVersion\":\"2025-11-25\"}}", Map.of("Mcp-Session-Id", "s1"));
            } else {
                exchange.sendResponseHeaders(request.method().equals("GET") ? 405 : 200, -1);
            }
        };
        return new StubHttpServer().on("POST", refuseStale).on("GET", refuseStale).on("DELETE", refuseStale);
    }

    private StreamableHttpTransport streamable(UpstreamAuth auth) {
        StreamableHttpTransport http = new StreamableHttpTransport("remote", stub.url("/mcp"), Map.of("X-Static", "1"),
                client, CONNECT_TIMEOUT, null, auth);
        http.start(listener);
        transport = http;
        return http;
    }

    @Test
    void aRefusedPostIsSentOnceMoreWithRenewedCredentialsWhichEveryLaterRequestCarries() throws Exception {
        stub = freshOnly();
        FakeAuth auth = new FakeAuth();
        StreamableHttpTransport http = streamable(auth);

        http.send(initialize(1));
        listener.awaitResponse(1);
        http.onInitialized("2025-11-25");
        http.send(toolsList(2));
        listener.awaitResponse(2);
        await().until(() -> !stub.requests("GET").isEmpty());
        http.close();

        assertThat(auth.refusals).containsExactly("401 " + CHALLENGE);
        List<StubHttpServer.Recorded> posts = stub.requests("POST");
        assertThat(posts).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer stale", "Bearer fresh", "Bearer fresh");
        assertThat(posts).allSatisfy(r -> assertThat(r.header("X-Static")).isEqualTo("1"));
        assertThat(stub.requests("GET")).allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer fresh"));
        assertThat(stub.requests("DELETE")).singleElement()
                .satisfies(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer fresh"));
    }

    /** Issue 12: a request sent without waiting is still sent once more after a refusal, renewed off Jetty's threads. */
    @Test
    void aRequestSentAsynchronouslyIsRetriedWithRenewedCredentialsOffTheHttpClientsThreads() throws Exception {
        stub = freshOnly();
        FakeAuth auth = new FakeAuth();
        auth.token = "fresh";
        StreamableHttpTransport http = streamable(auth);
        http.send(initialize(1));
        listener.awaitResponse(1);
        auth.token = "stale"; // the token expired since

        http.sendAsync(toolsList(2)).get(5, TimeUnit.SECONDS);

        assertThat(listener.awaitResponse(2).has("result")).isTrue();
        assertThat(auth.refusals).containsExactly("401 " + CHALLENGE);
        assertThat(auth.refusedOn).singleElement()
                .satisfies(thread -> assertThat(thread.getName()).doesNotStartWith(UpstreamHttpClient.THREADS));
        assertThat(stub.requests("POST")).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer fresh", "Bearer stale", "Bearer fresh");
    }

    @Test
    void needsSignInFailsTheRequestClearlyWithTheLinkForTheOperatorOnly() throws Exception {
        stub = freshOnly();
        FakeAuth auth = new FakeAuth();
        URI link = URI.create("https://idp.example/auth?state=abc");
        auth.onRefusal = new Outcome(Outcome.Kind.SIGN_IN_REQUIRED, "server remote needs sign-in: open " + link, link);
        StreamableHttpTransport http = streamable(auth);

        assertThatThrownBy(() -> http.send(initialize(1)))
                .isInstanceOfSatisfying(UpstreamAuthFailure.class, e -> {
                    assertThat(e.needsSignIn()).isTrue();
                    assertThat(e.signInUrl()).isEqualTo(link);
                    assertThat(e.summary()).startsWith("needs sign-in").doesNotContain(link.toString());
                    assertThat(e.detail()).contains(link.toString());
                    assertThat(UpstreamAuthFailure.waitsForSignIn(new IOException("wrapped", e))).isTrue();
                })
                .hasMessageStartingWith("server 'remote': needs sign-in");
        assertThat(stub.requests("POST")).hasSize(1);
    }

    @Test
    void aRefusalAfterTheRetryFailsInsteadOfLooping() throws Exception {
        stub = freshOnly();
        FakeAuth auth = new FakeAuth();
        auth.renewedTo = "still-stale";
        StreamableHttpTransport http = streamable(auth);

        assertThatThrownBy(() -> http.send(initialize(1)))
                .isInstanceOfSatisfying(UpstreamAuthFailure.class, e -> assertThat(e.needsSignIn()).isFalse())
                .hasMessageContaining("refused the proxy's OAuth credentials (HTTP 401)");
        assertThat(stub.requests("POST")).hasSize(2);
        assertThat(auth.refusals).hasSize(2);
    }

    @Test
    void aPlain403IsAnHttpErrorAndWithoutOAuthA401StaysOne() throws Exception {
        stub = new StubHttpServer().on("POST", (exchange, request) -> json(exchange,
                "none".equals(request.header("X-Case")) ? 401 : 403, "{}", Map.of()));
        FakeAuth auth = new FakeAuth();
        StreamableHttpTransport http = streamable(auth);
        assertThatThrownBy(() -> http.send(initialize(1)))
                .isInstanceOfSatisfying(HttpStatusException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(auth.refusals).as("403 without a challenge is not about credentials").isEmpty();

        StreamableHttpTransport none = new StreamableHttpTransport("plain", stub.url("/mcp"), Map.of("X-Case", "none"),
                client, CONNECT_TIMEOUT, null, UpstreamAuth.NONE);
        none.start(listener);
        try {
            assertThatThrownBy(() -> none.send(initialize(2)))
                    .isInstanceOfSatisfying(HttpStatusException.class, e -> assertThat(e.status()).isEqualTo(401))
                    .isNotInstanceOf(UpstreamAuthFailure.class)
                    .hasMessage("server 'plain': answered HTTP 401");
        } finally {
            none.close();
        }
    }

    @Test
    void legacySseRetriesItsStreamAndPostsWithTheRenewedCredentials() throws Exception {
        CountDownLatch end = new CountDownLatch(1);
        stub = new StubHttpServer().on("GET", (exchange, request) -> {
            if (!fresh(request)) {
                json(exchange, 401, "{}", Map.of("WWW-Authenticate", CHALLENGE));
                return;
            }
            OutputStream out = sse(exchange, Map.of());
            event(out, "event: endpoint\ndata: /messages");
            try {
                end.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).on("POST", (exchange, request) -> exchange.sendResponseHeaders(fresh(request) ? 202 : 401, -1));
        FakeAuth auth = new FakeAuth();
        SseTransport sse = new SseTransport("legacy", stub.url("/sse"), Map.of(), client, CONNECT_TIMEOUT, null, auth);
        transport = sse;
        try {
            sse.start(listener);
            sse.send(toolsList(1));

            assertThat(stub.requests("GET")).extracting(r -> r.header("Authorization"))
                    .containsExactly("Bearer stale", "Bearer fresh");
            assertThat(stub.requests("POST")).singleElement()
                    .satisfies(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer fresh"));
        } finally {
            end.countDown();
        }
    }
}
