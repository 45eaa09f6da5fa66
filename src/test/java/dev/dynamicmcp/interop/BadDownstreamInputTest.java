package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.FaultServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a broken or hostile client sends to the proxy's Streamable HTTP endpoint, and what it gets back: the
 * right HTTP status and JSON-RPC error each time. After every test, a session opened before any bad input
 * and a session opened after it both still work: bad input from one client never hurts another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class BadDownstreamInputTest {
    private static final String TOKEN = "s3cret-interop-token";
    private static final long MAX_BODY = 64 * 1024;
    private static final Map<String, String> AUTH = Map.of("Authorization", "Bearer " + TOKEN);

    private ProxyApp proxy;
    private RawMcpHttp mcp;
    private String bystander;
    private int nextId = 100;

    @BeforeAll
    void start() throws Exception {
        List<String> fault = FaultServer.command("--name", "alpha");
        String json = """
                {"proxy": {"port": 0, "authToken": "%s", "maxBodyBytes": %d},
                 "mcpServers": {"alpha": {"command": %s, "args": %s}}}
                """.formatted(TOKEN, MAX_BODY, Json.write(Json.MAPPER.valueToTree(fault.get(0))),
                Json.write(Json.MAPPER.valueToTree(fault.subList(1, fault.size()))));
        proxy = ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")), ProxyApp.Options.httpOnly());
        mcp = new RawMcpHttp(proxy.endpoint(), AUTH);
        bystander = mcp.open("bystander");
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The session from before the bad input and a brand-new one both call a tool normally. */
    @AfterEach
    void otherSessionsAreUnaffected() throws Exception {
        for (String session : List.of(bystander, mcp.open("newcomer"))) {
            int id = nextId++;
            JsonNode response = mcp.call(session, id, "tools/call",
                    "{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"still fine\"}}");
            assertThat(response.path("id").asInt()).isEqualTo(id);
            assertThat(response.path("result").path("content").get(0).path("text").asText()).contains("still fine");
        }
    }

    private static void assertRpcError(HttpResponse<String> response, int status, int code) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        JsonNode body = RawMcpHttp.json(response);
        assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.path("error").path("code").asInt()).as("error of %s", body).isEqualTo(code);
        assertThat(body.path("error").path("message").asText()).isNotBlank();
    }

    @Test
    void malformedJsonIsAParseError() throws Exception {
        String session = mcp.open("sloppy");

        assertRpcError(mcp.post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"), 400, -32700);
        assertRpcError(mcp.post(session, "not json at all"), 400, -32700);
        assertRpcError(mcp.post("", Map.of()), 400, -32700);
    }

    @Test
    void aBodyWithMoreThanOneJsonTextOrNotInUtf8IsAParseErrorNotPartlyServed() throws Exception {
        String session = mcp.open("careless");

        // the second request used to be dropped without a word (only the first value was read)
        HttpResponse<String> two = mcp.post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
                + " {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
        assertRpcError(two, 400, -32700);
        // Latin-1 bytes used to reach the server as replacement characters
        byte[] latin1 = ("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"alpha__echo\",\"arguments\":{\"message\":\"caf\u00e9\"}}}")
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpRequest post = mcp.request(Map.of(RawMcpHttp.SESSION, session, "MCP-Protocol-Version", RawMcpHttp.VERSION))
                .POST(HttpRequest.BodyPublishers.ofByteArray(latin1)).build();
        HttpResponse<String> notUtf8 = mcp.http().send(post, HttpResponse.BodyHandlers.ofString());
        assertRpcError(notUtf8, 400, -32700);
        assertThat(RawMcpHttp.json(notUtf8).path("error").path("message").asText()).contains("UTF-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"id\":1,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":42}",
            "{\"jsonrpc\":\"2.0\",\"id\":{\"nested\":true},\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1}",
            "42",
            "[]",
            "[1, 2]"})
    void wrongJsonRpcShapesAreInvalidRequests(String body) throws Exception {
        String session = mcp.open("confused");

        assertRpcError(mcp.post(session, body), 400, -32600);
    }

    @Test
    void anUnknownMethodIsMethodNotFound() throws Exception {
        String session = mcp.open("curious");

        JsonNode response = mcp.call(session, 7, "tools/destroy", "{}");

        assertThat(response.path("id").asInt()).isEqualTo(7);
        assertThat(response.path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(response.path("error").path("message").asText()).contains("tools/destroy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alpha__no_such_tool", "ghost__echo", "echo"})
    void anUnknownToolIsAnInvalidParamsErrorNamingTheTool(String tool) throws Exception {
        String session = mcp.open("lost");

        JsonNode response = mcp.call(session, 8, "tools/call", "{\"name\":\"" + tool + "\",\"arguments\":{}}");

        assertThat(response.path("error").path("code").asInt()).as("%s", response).isEqualTo(-32602);
        assertThat(response.path("error").path("message").asText()).contains(tool);
    }

    @Test
    void aRequestWithoutSessionIdIsRejectedWith400() throws Exception {
        String listTools = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";

        assertRpcError(mcp.post(listTools, Map.of()), 400, -32600);
        assertThat(mcp.send("GET", Map.of()).statusCode()).isEqualTo(400);
        assertThat(mcp.send("DELETE", Map.of()).statusCode()).isEqualTo(400);
    }

    @Test
    void anUnknownOrEndedSessionIsNotFound() throws Exception {
        String listTools = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
        String ended = mcp.open("short-lived");
        assertThat(mcp.send("DELETE", Map.of(RawMcpHttp.SESSION, ended)).statusCode()).isIn(200, 204);

        assertRpcError(mcp.post("no-such-session", listTools), 404, -32600);
        assertRpcError(mcp.post(ended, listTools), 404, -32600);
        assertThat(mcp.send("GET", Map.of(RawMcpHttp.SESSION, "no-such-session")).statusCode()).isEqualTo(404);
    }

    @Test
    void anUnsupportedProtocolVersionHeaderIsRejected() throws Exception {
        String session = mcp.open("from-the-future");

        HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                Map.of(RawMcpHttp.SESSION, session, "MCP-Protocol-Version", "1999-01-01"));

        assertRpcError(response, 400, -32600);
    }

    @Test
    void anOversizeBodyIsRejectedWith413WithOrWithoutContentLength() throws Exception {
        String session = mcp.open("verbose");
        String huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\","
                + "\"arguments\":{\"message\":\"" + "x".repeat((int) MAX_BODY) + "\"}}}";

        HttpResponse<String> declared = mcp.post(session, huge);
        HttpResponse<String> chunked = mcp.http().send(mcp.request(Map.of(RawMcpHttp.SESSION, session,
                        "MCP-Protocol-Version", RawMcpHttp.VERSION))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge.getBytes())))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.body()).contains("limit");
        assertRpcError(chunked, 413, -32600);
        // just under the limit still works
        JsonNode fits = mcp.call(session, 2, "tools/call",
                "{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"" + "y".repeat((int) MAX_BODY - 200) + "\"}}");
        assertThat(fits.path("result").path("content").get(0).path("text").asText()).contains("yyyy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example", "http://127.0.0.1.evil.example:8080", "null"})
    void aForeignOriginIsForbidden(String origin) throws Exception {
        HttpResponse<String> initialize = mcp.post("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"evil","version":"1"}}}""", Map.of("Origin", origin));
        HttpResponse<String> inSession = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                Map.of("Origin", origin, RawMcpHttp.SESSION, bystander));

        assertThat(initialize.statusCode()).isEqualTo(403);
        assertThat(initialize.headers().firstValue(RawMcpHttp.SESSION)).isEmpty();
        assertThat(inSession.statusCode()).isEqualTo(403);
        assertThat(inSession.body()).doesNotContain("alpha__echo");
    }

    @Test
    void aLocalOriginIsAllowed() throws Exception {
        HttpResponse<String> initialize = mcp.post("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"local-page","version":"1"}}}""",
                Map.of("Origin", "http://localhost:5173"));

        assertThat(initialize.statusCode()).isEqualTo(200);
        assertThat(initialize.headers().firstValue(RawMcpHttp.SESSION)).isPresent();
    }

    @Test
    void theBearerTokenIsRequiredAndChecked() throws Exception {
        String initialize = """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"intruder","version":"1"}}}""";
        RawMcpHttp noToken = new RawMcpHttp(proxy.endpoint(), Map.of());
        RawMcpHttp wrongToken = new RawMcpHttp(proxy.endpoint(), Map.of("Authorization", "Bearer " + TOKEN + "x"));
        RawMcpHttp basic = new RawMcpHttp(proxy.endpoint(), Map.of("Authorization", "Basic " + TOKEN));

        HttpResponse<String> missing = noToken.post(initialize, Map.of());
        HttpResponse<String> wrong = wrongToken.post(initialize, Map.of());
        HttpResponse<String> wrongScheme = basic.post(initialize, Map.of());
        HttpResponse<String> inSessionWithoutToken = noToken.post(bystander,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        HttpResponse<String> right = mcp.post(initialize, Map.of());

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrongScheme.statusCode()).isEqualTo(401);
        assertThat(inSessionWithoutToken.statusCode()).isEqualTo(401);
        assertThat(inSessionWithoutToken.body()).doesNotContain("alpha__echo");
        assertThat(missing.body() + wrong.body()).doesNotContain(TOKEN);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(RawMcpHttp.responseOf(right, 1).path("result").path("serverInfo").path("name").asText())
                .isEqualTo("dynamic-mcp-proxy");
    }

    /** Regression (issue 9, item 12): a body declared as anything but JSON was parsed anyway. */
    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"})
    void aPostThatIsNotDeclaredAsJsonIs415(String type) throws Exception {
        HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                Map.of(RawMcpHttp.SESSION, bystander, "Content-Type", type));

        assertRpcError(response, 415, -32600);
        assertThat(response.body()).contains(type.split(";")[0]).contains("application/json");
    }

    /** Regression (issue 9, item 12): the scheme of "Authorization: bearer <token>" is case-insensitive. */
    @ParameterizedTest
    @ValueSource(strings = {"bearer", "BEARER"})
    void theBearerSchemeIsCaseInsensitive(String scheme) throws Exception {
        RawMcpHttp lower = new RawMcpHttp(proxy.endpoint(), Map.of("Authorization", scheme + " " + TOKEN));

        JsonNode response = lower.call(bystander, 5, "tools/list", "{}");

        assertThat(response.path("result").path("tools").toString()).contains("alpha__echo");
    }
}
