package dev.dynamicmcp.transport;

import static dev.dynamicmcp.transport.RawMessages.initialize;
import static dev.dynamicmcp.transport.StubHttpServer.idOf;
import static dev.dynamicmcp.transport.StubHttpServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTPS upstream: the certificate is checked (trust and host name) and a failed check is a clear failure;
 * a certificate the JVM's trust store holds ({@code -Djavax.net.ssl.trustStore}) is accepted.
 */
class UpstreamTlsTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    /** For 127.0.0.1, which the stubs listen on. */
    private static SelfSignedTls forLoopback;
    /** For another name only: trusted, but not for the address the transport connects to. */
    private static SelfSignedTls forElsewhere;

    private final RecordingListener listener = new RecordingListener();
    private StubHttpServer stub;
    private HttpClient client;
    private Transport transport;

    @BeforeAll
    static void makeCertificates() throws Exception {
        forLoopback = SelfSignedTls.generate(dir, "loopback", "ip:127.0.0.1");
        forElsewhere = SelfSignedTls.generate(dir, "elsewhere", "dns:elsewhere.example");
    }

    @AfterEach
    void tearDown() {
        if (transport != null) {
            transport.close();
        }
        if (stub != null) {
            stub.close();
        }
        if (client != null) {
            UpstreamHttpClient.stop(client);
        }
    }

    private void serve(SelfSignedTls tls) throws Exception {
        stub = new StubHttpServer(tls.serverContext()).on("POST", (exchange, request) -> json(exchange, 200,
                "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(request.body()) + ",\"result\":{\"protocolVersion\":\"2025-06-18\"}}",
                Map.of()));
    }

    private void connect() throws IOException {
        StreamableHttpTransport http = new StreamableHttpTransport("secure", stub.url("/mcp"), Map.of(), client,
                CONNECT_TIMEOUT);
        transport = http;
        http.start(listener);
        http.send(initialize(1));
    }

    @Test
    void aSelfSignedCertificateIsNotTrustedAndTheFailureSaysSo() throws Exception {
        serve(forLoopback);
        client = UpstreamHttpClient.start();

        UpstreamFailure failed = catchThrowableOfType(UpstreamFailure.class, this::connect);

        assertThat(failed).hasMessageStartingWith("server 'secure': TLS handshake failed: its certificate is not trusted");
        assertThat(failed.detail()).contains(stub.url("/mcp").toString()).contains("PKIX");
        assertThat(stub.requests).isEmpty();
    }

    @Test
    void aTrustedCertificateForAnotherHostNameIsRefused() throws Exception {
        serve(forElsewhere);
        client = forElsewhere.trusting(() -> UpstreamHttpClient.withTlsNow(UpstreamHttpClient.start()));

        UpstreamFailure failed = catchThrowableOfType(UpstreamFailure.class, this::connect);

        assertThat(failed).hasMessage("server 'secure': TLS handshake failed: its certificate is not for this host name");
        assertThat(stub.requests).isEmpty();
    }

    @Test
    void aCertificateInTheJvmTrustStoreIsAccepted() throws Exception {
        serve(forLoopback);
        client = forLoopback.trusting(() -> UpstreamHttpClient.withTlsNow(UpstreamHttpClient.start()));

        connect();

        assertThat(listener.awaitResponse(1).path("result").path("protocolVersion").asText()).isEqualTo("2025-06-18");
        assertThat(stub.requests("POST")).hasSize(1);
    }

    @Test
    void tlsIsSetUpAtTheFirstHttpsConnectionNotWhenTheClientStarts() throws Exception {
        serve(forLoopback);
        client = UpstreamHttpClient.start();
        assertThat(client.getSslContextFactory().isStarted()).as("no trust store loaded for a proxy without https").isFalse();

        catchThrowableOfType(UpstreamFailure.class, this::connect);

        assertThat(client.getSslContextFactory().isStarted()).isTrue();
    }
}
