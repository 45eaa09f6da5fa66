package dev.dynamicmcp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Issue 9, item 10: a client is told the kind of failure in plain words; the internals go to the operator. */
class UpstreamFailureTest {

    @Test
    void ioFailuresAreNamedInPlainWordsWithoutClassNames() {
        UpstreamFailure refused = UpstreamFailure.ofHttp("web", "sending tools/call (id 2) to http://h:1/mcp?key=s3cret",
                new CompletionException(new ConnectException()));
        assertThat(refused).hasMessage("server 'web': connection refused");
        assertThat(refused.summary()).isEqualTo("connection refused");
        assertThat(refused.detail()).contains("key=s3cret").contains("java.net.ConnectException");

        assertThat(UpstreamFailure.ofHttp("web", "x", new HttpConnectTimeoutException("HTTP connect timed out")))
                .hasMessage("server 'web': timed out connecting");
        // how Jetty's client (the upstream transports') reports a connect that took too long
        assertThat(UpstreamFailure.ofHttp("web", "x", new SocketTimeoutException("Connect Timeout")))
                .hasMessage("server 'web': timed out connecting");
        IOException unresolved = new ConnectException();
        unresolved.initCause(new UnresolvedAddressException());
        assertThat(UpstreamFailure.ofHttp("web", "x", unresolved).summary()).isEqualTo("unknown host");
        assertThat(UpstreamFailure.ofHttp("web", "x", new IOException("EOF reached")).summary())
                .isEqualTo("closed the connection");
    }

    @Test
    void theOperatorGetsTheDetailBehindAnyWrapperAndTheClientTheSummary() {
        UpstreamFailure exit = new UpstreamFailure("db", "exited with code 3",
                "exited with code 3; last stderr lines:\n  postgres://admin:hunter2@db/prod refused");
        McpException wrapped = McpException.local(JsonRpc.CONNECTION_CLOSED,
                "connection to server \"db\" closed before it answered initialize: " + exit.getMessage(), exit);

        assertThat(wrapped.getMessage()).doesNotContain("hunter2").contains("exited with code 3");
        assertThat(UpstreamFailure.find(new CompletionException(wrapped))).containsSame(exit);
        assertThat(UpstreamFailure.detailOf(new CompletionException(wrapped)))
                .startsWith("connection to server \"db\" closed before it answered initialize: server 'db': exited")
                .contains("hunter2");
        assertThat(UpstreamFailure.detailOf(new IllegalStateException("plain"))).isEqualTo("plain");
    }

    @Test
    void anHttpErrorKeepsItsBodyForTheOperatorOnly() {
        HttpStatusException status = new HttpStatusException("web", 500, "tools/call (id 7)",
                "java.sql.SQLException: password authentication failed for user admin");
        assertThat(status).hasMessage("server 'web': answered HTTP 500");
        assertThat(status.status()).isEqualTo(500);
        assertThat(status.detail()).contains("tools/call (id 7)").contains("SQLException");
    }
}
