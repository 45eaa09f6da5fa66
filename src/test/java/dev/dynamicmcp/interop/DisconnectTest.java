package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A client that drops its connection in the middle of a tool call leaks nothing: the proxy cancels the
 * upstream request (the upstream receives notifications/cancelled), its upstream in-flight count returns to
 * zero, the session ends on DELETE, and the next call works. The client is a raw socket, so the disconnect is
 * a real TCP close and not a polite cancel.
 *
 * <p>beta (FaultServer over Streamable HTTP) answers POSTs in JSON mode, sending headers only with its result:
 * before 433f998 the upstream send blocked for the server's connectTimeout (30 s) waiting for them, and a cancel
 * reached beta only that much later. The DELETE test below fails within its 10 s await on that behaviour.
 *
 * <p>A client that closes its socket is noticed when the proxy next writes to it: at the latest after the
 * keep-alive interval (15 s), hence the 30 s awaits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(90)
class DisconnectTest {
    private HttpFault beta;
    private ProxyApp proxy;
    private RawMcpHttp mcp;

    @BeforeAll
    void start() throws Exception {
        beta = FaultServer.startHttp(FaultServer.Options.builder().name("beta").build());
        List<String> fault = FaultServer.command("--name", "alpha");
        String json = """
                {"proxy": {"port": 0, "defaults": {"requestTimeout": "120s"}},
                 "mcpServers": {"alpha": {"command": %s, "args": %s},
                                "beta": {"url": "%s", "transport": "streamable-http"}}}
                """.formatted(Json.write(Json.MAPPER.valueToTree(fault.get(0))),
                Json.write(Json.MAPPER.valueToTree(fault.subList(1, fault.size()))), beta.url());
        proxy = ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")), ProxyApp.Options.httpOnly());
        mcp = new RawMcpHttp(proxy.endpoint(), Map.of());
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (beta != null) {
            beta.close();
        }
    }

    /** Sends a tools/call on a raw socket and returns the socket, open, with the call in flight. */
    private Socket startCall(String session, int id, String tool, String argumentsJson) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + argumentsJson + "}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket(proxy.endpoint().getHost(), proxy.endpoint().getPort());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /mcp HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + proxy.endpoint().getPort() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: application/json, text/event-stream\r\n"
                + "Mcp-Session-Id: " + session + "\r\n"
                + "MCP-Protocol-Version: " + RawMcpHttp.VERSION + "\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    private void assertNextCallWorks(String server) throws Exception {
        String session = mcp.open("next");
        JsonNode response = mcp.call(session, 1, "tools/call",
                "{\"name\":\"" + server + "__echo\",\"arguments\":{\"message\":\"after the disconnect\"}}");
        assertThat(response.path("result").path("content").get(0).path("text").asText()).contains("after the disconnect");
        assertThat(mcp.send("DELETE", Map.of(RawMcpHttp.SESSION, session)).statusCode()).isIn(200, 204);
    }

    @Test
    void aDisconnectMidCallCancelsTheHttpUpstreamRequestAndTheSessionEndsOnDelete() throws Exception {
        int baseline = proxy.sessionCount();
        McpClient upstream = proxy.manager().client("beta");
        int cancelledBefore = beta.cancelledIds().size();
        String session = mcp.open("leaver");
        assertThat(proxy.sessionCount()).isEqualTo(baseline + 1);

        try (Socket socket = startCall(session, 41, "beta__sleep", "{\"ms\":60000}")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.inFlight() == 1);
        } // the client goes away without a word

        await().atMost(Duration.ofSeconds(30)).until(() -> beta.cancelledIds().size() > cancelledBefore);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(upstream.inFlight()).isZero());
        assertThat(mcp.send("DELETE", Map.of(RawMcpHttp.SESSION, session)).statusCode()).isIn(200, 204);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(proxy.sessionCount()).isEqualTo(baseline));
        assertNextCallWorks("beta");
        assertThat(proxy.sessionCount()).isEqualTo(baseline);
    }

    @Test
    void aDisconnectMidCallCancelsTheStdioUpstreamRequest() throws Exception {
        McpClient upstream = proxy.manager().client("alpha");
        String session = mcp.open("leaver");

        try (Socket socket = startCall(session, 42, "alpha__sleep", "{\"ms\":60000}")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.inFlight() == 1);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> upstream.inFlight() == 0);
        String observer = mcp.open("observer");
        JsonNode cancellations = mcp.call(observer, 1, "tools/call", "{\"name\":\"alpha__cancellations\",\"arguments\":{}}");
        assertThat(cancellations.path("result").path("content").get(0).path("text").asText())
                .as("the stdio upstream heard notifications/cancelled").isNotIn("", "[]");
        assertThat(mcp.send("DELETE", Map.of(RawMcpHttp.SESSION, session)).statusCode()).isIn(200, 204);
        assertThat(mcp.send("DELETE", Map.of(RawMcpHttp.SESSION, observer)).statusCode()).isIn(200, 204);
        assertNextCallWorks("alpha");
    }

    @Test
    void deletingASessionWithACallInFlightCancelsTheCall() throws Exception {
        int baseline = proxy.sessionCount();
        McpClient upstream = proxy.manager().client("beta");
        int cancelledBefore = beta.cancelledIds().size();
        String session = mcp.open("quitter");

        try (Socket socket = startCall(session, 43, "beta__sleep", "{\"ms\":60000}")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.inFlight() == 1);
            assertThat(mcp.send("DELETE", Map.of(RawMcpHttp.SESSION, session)).statusCode()).isIn(200, 204);

            await().atMost(Duration.ofSeconds(10)).until(() -> beta.cancelledIds().size() > cancelledBefore);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(upstream.inFlight()).isZero());
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(proxy.sessionCount()).isEqualTo(baseline));
        }
        assertNextCallWorks("beta");
    }
}
