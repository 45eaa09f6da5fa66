package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.conformance.ConformanceFixtureServer;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy's 2026-07-28 edge on the wire, request by request, in front of the SDK conformance fixture (a
 * 2025-era server over Streamable HTTP): how each request is classified on the shared {@code /mcp}, the HTTP
 * status and JSON-RPC error of every refusal (always with the request's id), what every result carries, the
 * per-request log level, and what happens when the 2025-era server asks the client something mid-call. A
 * 2025-era session on the same endpoint keeps working throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ModernDownstreamTest {
    private static final String V = "2026-07-28";

    private ConformanceFixtureServer fixture;
    private ProxyApp proxy;
    private RawMcpHttp http;
    private String olderSession;
    private int nextId = 1;

    @BeforeAll
    void start() throws Exception {
        fixture = ConformanceFixtureServer.start();
        String json = """
                {"proxy": {"port": 0, "namespace": "none"},
                 "mcpServers": {"fixture": {"url": "%s", "transport": "streamable-http"}}}
                """.formatted(fixture.url());
        proxy = ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")), ProxyApp.Options.httpOnly());
        http = new RawMcpHttp(proxy.endpoint(), Map.of());
        olderSession = http.open("older-client");
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static ObjectNode meta(String capabilitiesJson) {
        ObjectNode meta = Json.object().put("io.modelcontextprotocol/protocolVersion", V);
        meta.set("io.modelcontextprotocol/clientCapabilities", Json.parse(capabilitiesJson));
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "raw-modern").put("version", "1");
        return meta;
    }

    private ObjectNode request(int id, String method, ObjectNode params) {
        ObjectNode request = Json.object().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", params);
        return request;
    }

    private static ObjectNode params(ObjectNode meta) {
        ObjectNode params = Json.object();
        params.set("_meta", meta);
        return params;
    }

    /** The standard headers as a correct client sends them for this request. */
    private static Map<String, String> headers(ObjectNode request) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("MCP-Protocol-Version", V);
        headers.put("Mcp-Method", request.path("method").asText());
        JsonNode params = request.path("params");
        String name = params.has("name") ? params.path("name").asText() : params.has("uri") ? params.path("uri").asText() : null;
        if (name != null && !request.path("method").asText().endsWith("/list")) {
            headers.put("Mcp-Name", name);
        }
        return headers;
    }

    private HttpResponse<String> post(ObjectNode request, Map<String, String> headers) throws Exception {
        return http.post(Json.write(request), headers);
    }

    /** All JSON-RPC messages of an answer, from a JSON body or the data lines of an SSE body. */
    private static List<JsonNode> messages(HttpResponse<String> response) {
        List<JsonNode> messages = new ArrayList<>();
        if (!response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            messages.add(Json.parse(response.body()));
            return messages;
        }
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data:")) {
                messages.add(Json.parse(line.substring(5).trim()));
            }
        }
        return messages;
    }

    private static JsonNode answer(HttpResponse<String> response) {
        List<JsonNode> all = messages(response);
        return all.get(all.size() - 1);
    }

    private JsonNode ok(String method, ObjectNode params) throws Exception {
        ObjectNode request = request(nextId++, method, params);
        HttpResponse<String> response = post(request, headers(request));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = answer(response);
        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        return answer.path("result");
    }

    private void olderSessionStillWorks() throws Exception {
        JsonNode tools = http.call(olderSession, 9000 + nextId++, "tools/list", "{}");
        assertThat(tools.path("result").path("tools").size()).isPositive();
        assertThat(tools.path("result").has("resultType")).isFalse(); // the 2025 session sees 2025 results
    }

    // ---- what works ----------------------------------------------------------------------------------

    @Test
    void discoverDescribesTheMergedServer() throws Exception {
        JsonNode result = ok("server/discover", params(meta("{}")));
        assertThat(result.path("resultType").asText()).isEqualTo("complete");
        assertThat(result.path("supportedVersions")).extracting(JsonNode::asText)
                .containsExactly("2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
        assertThat(result.path("capabilities").fieldNames()).toIterable()
                .contains("tools", "prompts", "resources", "completions");
        assertThat(result.path("_meta").path("io.modelcontextprotocol/serverInfo").path("name").asText())
                .isEqualTo("dynamic-mcp-proxy");
        assertThat(result.path("instructions").asText()).startsWith("Dynamic MCP Proxy");
        // a 2025-era upstream gives no cache hints, so the proxy's answer made of it is not cacheable either
        assertThat(result.path("ttlMs").asLong()).isZero();
        assertThat(result.path("cacheScope").asText()).isEqualTo("private");
        olderSessionStillWorks();
    }

    @Test
    void listsAreTheSessionsListsWithTheRevisionsFields() throws Exception {
        JsonNode modern = ok("tools/list", params(meta("{}")));
        JsonNode older = http.call(olderSession, 9999, "tools/list", "{}").path("result");
        assertThat(modern.path("tools")).isEqualTo(older.path("tools")); // same items, same order, untouched
        assertThat(modern.path("resultType").asText()).isEqualTo("complete");
        assertThat(modern.path("ttlMs").asLong()).isZero();
        assertThat(modern.path("cacheScope").asText()).isEqualTo("private");
        for (String method : List.of("prompts/list", "resources/list", "resources/templates/list")) {
            JsonNode result = ok(method, params(meta("{}")));
            assertThat(result.path("resultType").asText()).as(method).isEqualTo("complete");
            assertThat(result.has("ttlMs") && result.has("cacheScope")).as(method).isTrue();
        }
    }

    @Test
    void callsReadsAndPromptsCarryResultType() throws Exception {
        ObjectNode call = params(meta("{}")).put("name", "test_simple_text");
        call.putObject("arguments");
        JsonNode tool = ok("tools/call", call);
        assertThat(tool.path("resultType").asText()).isEqualTo("complete");
        assertThat(tool.path("content").get(0).path("text").asText()).isNotBlank();

        JsonNode read = ok("resources/read", params(meta("{}")).put("uri", "test://static-text"));
        assertThat(read.path("resultType").asText()).isEqualTo("complete");
        assertThat(read.path("contents").get(0).path("uri").asText()).isEqualTo("test://static-text");
        assertThat(read.path("ttlMs").asLong()).isZero();
        assertThat(read.path("cacheScope").asText()).isEqualTo("private");

        JsonNode prompt = ok("prompts/get", params(meta("{}")).put("name", "test_simple_prompt"));
        assertThat(prompt.path("resultType").asText()).isEqualTo("complete");
        assertThat(prompt.path("messages").size()).isPositive();
    }

    @Test
    void aResourceNobodyOffersIsInvalidParamsWithItsUri() throws Exception {
        ObjectNode request = request(nextId++, "resources/read", params(meta("{}")).put("uri", "test://nowhere"));
        HttpResponse<String> response = post(request, headers(request));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode error = answer(response).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32602);
        assertThat(error.path("data").path("uri").asText()).isEqualTo("test://nowhere");
        assertThat(answer(response).path("id").asInt()).isEqualTo(request.path("id").asInt());
    }

    @Test
    void logMessagesOnlyWhenTheRequestAskedForALevel() throws Exception {
        ObjectNode quiet = params(meta("{}")).put("name", "test_tool_with_logging");
        quiet.putObject("arguments");
        ObjectNode request = request(nextId++, "tools/call", quiet);
        HttpResponse<String> silent = post(request, headers(request));
        assertThat(messages(silent)).noneMatch(m -> m.path("method").asText().equals("notifications/message"));

        ObjectNode chatty = params(meta("{}").put("io.modelcontextprotocol/logLevel", "debug"))
                .put("name", "test_tool_with_logging");
        chatty.putObject("arguments");
        ObjectNode loud = request(nextId++, "tools/call", chatty);
        HttpResponse<String> logged = post(loud, headers(loud));
        List<JsonNode> all = messages(logged);
        assertThat(all).filteredOn(m -> m.path("method").asText().equals("notifications/message")).hasSize(3);
        assertThat(all.get(all.size() - 1).path("result").path("resultType").asText()).isEqualTo("complete");
    }

    @Test
    void progressGoesOnTheCallsOwnStream() throws Exception {
        ObjectNode meta = meta("{}").put("progressToken", "p-1");
        ObjectNode call = params(meta).put("name", "test_tool_with_progress");
        call.putObject("arguments");
        ObjectNode request = request(nextId++, "tools/call", call);
        List<JsonNode> all = messages(post(request, headers(request)));
        List<JsonNode> progress = all.stream()
                .filter(m -> m.path("method").asText().equals("notifications/progress")).toList();
        assertThat(progress).isNotEmpty().allMatch(p -> p.path("params").path("progressToken").asText().equals("p-1"));
        assertThat(all.get(all.size() - 1).path("result").path("resultType").asText()).isEqualTo("complete");
    }

    // ---- a 2025-era server asking the client mid-call -------------------------------------------------------

    @Test
    void aServerAskingForAnUndeclaredCapabilityFailsTheCallWithMissingCapability() throws Exception {
        ObjectNode call = params(meta("{}")).put("name", "test_sampling");
        call.putObject("arguments").put("prompt", "hi");
        ObjectNode request = request(nextId++, "tools/call", call);
        HttpResponse<String> response = post(request, headers(request));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode answer = answer(response);
        assertThat(answer.path("id").asInt()).isEqualTo(request.path("id").asInt());
        assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32021);
        assertThat(answer.path("error").path("data").path("requiredCapabilities"))
                .isEqualTo(Json.parse("{\"sampling\":{}}"));
    }

    @Test
    void aServerAskingADeclaringClientGetsItsAnswerThroughInputRequired() throws Exception {
        ObjectNode call = params(meta("{\"sampling\":{}}")).put("name", "test_sampling");
        call.putObject("arguments").put("prompt", "hi");
        JsonNode first = ok("tools/call", call);
        assertThat(first.path("resultType").asText()).as(first.toString()).isEqualTo("input_required");
        assertThat(first.path("requestState").asText()).startsWith("v1.");
        String key = first.path("inputRequests").fieldNames().next();
        JsonNode asked = first.path("inputRequests").path(key);
        assertThat(asked.path("method").asText()).isEqualTo("sampling/createMessage");
        assertThat(asked.path("params").path("messages").get(0).path("content").path("text").asText()).isEqualTo("hi");

        ObjectNode response = Json.object().put("role", "assistant").put("model", "raw");
        response.putObject("content").put("type", "text").put("text", "bridged answer");
        ObjectNode retry = call.deepCopy();
        retry.putObject("inputResponses").set(key, response);
        retry.put("requestState", first.path("requestState").asText() + "-TAMPERED");
        JsonNode tampered = refused(request(nextId++, "tools/call", retry), headers(request(0, "tools/call", retry)),
                200, -32602);
        assertThat(tampered.path("message").asText()).contains("requestState");

        retry.put("requestState", first.path("requestState").asText());
        JsonNode done = ok("tools/call", retry);
        assertThat(done.path("resultType").asText()).isEqualTo("complete");
        assertThat(done.toString()).contains("LLM response: bridged answer");
        // the same state again: the round is used up
        refused(request(nextId++, "tools/call", retry), headers(request(0, "tools/call", retry)), 200, -32602);
        olderSessionStillWorks();
    }

    @Test
    void anElicitationIsBridgedToo() throws Exception {
        ObjectNode call = params(meta("{\"elicitation\":{}}")).put("name", "test_elicitation");
        call.putObject("arguments").put("message", "who?");
        JsonNode first = ok("tools/call", call);
        String key = first.path("inputRequests").fieldNames().next();
        assertThat(first.path("inputRequests").path(key).path("method").asText()).isEqualTo("elicitation/create");
        ObjectNode retry = call.deepCopy();
        retry.putObject("inputResponses").putObject(key).put("action", "accept").putObject("content")
                .put("username", "alice").put("email", "a@example.com");
        retry.put("requestState", first.path("requestState").asText());
        JsonNode done = ok("tools/call", retry);
        assertThat(done.toString()).contains("action=accept").contains("alice");
    }

    // ---- refusals: status, code, id ------------------------------------------------------------------------

    private JsonNode refused(ObjectNode request, Map<String, String> headers, int status, int code) throws Exception {
        HttpResponse<String> response = post(request, headers);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode answer = answer(response);
        assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(code);
        if (request.has("id")) {
            assertThat(answer.path("id")).as("the error carries the request's id").isEqualTo(request.get("id"));
        }
        return answer.path("error");
    }

    @Test
    void headerAndBodyMustAgree() throws Exception {
        ObjectNode call = request(nextId++, "tools/call", params(meta("{}")).put("name", "test_simple_text"));
        Map<String, String> wrongMethod = new LinkedHashMap<>(headers(call));
        wrongMethod.put("Mcp-Method", "tools/list");
        refused(call, wrongMethod, 400, -32020);

        Map<String, String> wrongName = new LinkedHashMap<>(headers(call));
        wrongName.put("Mcp-Name", "test_image_content");
        refused(call, wrongName, 400, -32020);

        Map<String, String> noName = new LinkedHashMap<>(headers(call));
        noName.remove("Mcp-Name");
        refused(call, noName, 400, -32020);

        Map<String, String> noMethod = new LinkedHashMap<>(headers(call));
        noMethod.remove("Mcp-Method");
        refused(call, noMethod, 400, -32020);

        Map<String, String> otherVersion = new LinkedHashMap<>(headers(call));
        otherVersion.put("MCP-Protocol-Version", "2026-12-31");
        refused(call, otherVersion, 400, -32020);

        Map<String, String> encoded = new LinkedHashMap<>(headers(call));
        encoded.put("Mcp-Name", "=?base64?dGVzdF9zaW1wbGVfdGV4dA==?="); // "test_simple_text", Base64
        assertThat(post(call, encoded).statusCode()).isEqualTo(200);
    }

    @Test
    void theEnvelopeIsChecked() throws Exception {
        ObjectNode noCapabilities = meta("{}");
        noCapabilities.remove("io.modelcontextprotocol/clientCapabilities");
        ObjectNode request = request(nextId++, "tools/list", params(noCapabilities));
        assertThat(refused(request, headers(request), 400, -32602).path("message").asText())
                .contains("clientCapabilities");

        ObjectNode noClientInfo = meta("{}");
        noClientInfo.remove("io.modelcontextprotocol/clientInfo"); // optional
        ObjectNode fine = request(nextId++, "tools/list", params(noClientInfo));
        assertThat(post(fine, headers(fine)).statusCode()).isEqualTo(200);

        // a modern header without the envelope: -32602, not the 2025 path
        ObjectNode bare = request(nextId++, "tools/list", Json.object());
        refused(bare, headers(bare), 400, -32602);
    }

    @Test
    void anUnknownRevisionNamesTheSupportedOnes() throws Exception {
        ObjectNode meta = meta("{}").put("io.modelcontextprotocol/protocolVersion", "v999.0.0");
        ObjectNode request = request(nextId++, "tools/list", params(meta));
        Map<String, String> headers = new LinkedHashMap<>(headers(request));
        headers.put("MCP-Protocol-Version", "v999.0.0");
        JsonNode error = refused(request, headers, 400, -32022);
        assertThat(error.path("data").path("requested").asText()).isEqualTo("v999.0.0");
        assertThat(error.path("data").path("supported")).extracting(JsonNode::asText).contains("2026-07-28");
    }

    @Test
    void removedMethodsAreNotFound() throws Exception {
        for (String method : List.of("initialize", "ping", "logging/setLevel", "resources/subscribe",
                "resources/unsubscribe", "unknown/method")) {
            ObjectNode request = request(nextId++, method, params(meta("{}")));
            refused(request, headers(request), 404, -32601);
        }
        olderSessionStillWorks();
    }

    @Test
    void streamsOfTheOlderRevisionAreNotAllowed() throws Exception {
        for (String method : List.of("GET", "DELETE")) {
            HttpResponse<String> response = http.send(method, Map.of("MCP-Protocol-Version", V));
            assertThat(response.statusCode()).as(method).isEqualTo(405);
        }
        // a session's GET is still the session's
        HttpResponse<String> noSession = http.send("DELETE", Map.of());
        assertThat(noSession.statusCode()).isEqualTo(400);
    }

    @Test
    void aBatchMayNotCarryModernRequests() throws Exception {
        ObjectNode request = request(nextId++, "tools/list", params(meta("{}")));
        HttpResponse<String> response = http.post("[" + Json.write(request) + "]", headers(request));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.parse(response.body()).path("error").path("code").asInt()).isEqualTo(-32600);
    }

    @Test
    void initializeWithoutAClaimStillOpensASession() throws Exception {
        String session = http.open("another-older-client");
        assertThat(session).isNotBlank();
        // but initialize with the modern header and no claim is a contradiction
        ObjectNode init = Json.object().put("jsonrpc", "2.0").put("id", nextId++).put("method", "initialize");
        init.putObject("params").put("protocolVersion", "2025-11-25").putObject("capabilities");
        refused(init, Map.of("MCP-Protocol-Version", V), 400, -32020);
    }

    // ---- subscriptions/listen ------------------------------------------------------------------------------

    @Test
    void listenAcknowledgesFirstWithTheSubscriptionId() throws Exception {
        ObjectNode params = params(meta("{}"));
        params.putObject("notifications").put("toolsListChanged", true)
                .putArray("resourceSubscriptions").add("test://watched-resource").add("test://nowhere");
        ObjectNode request = request(4242, "subscriptions/listen", params);
        HttpRequest.Builder builder = http.request(headers(request))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(request)));
        HttpResponse<InputStream> response = http.http().send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            JsonNode first = null;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    first = Json.parse(line.substring(5).trim());
                    break;
                }
            }
            assertThat(first).isNotNull();
            assertThat(first.path("method").asText()).isEqualTo("notifications/subscriptions/acknowledged");
            JsonNode ack = first.path("params");
            assertThat(ack.path("_meta").path("io.modelcontextprotocol/subscriptionId").asInt()).isEqualTo(4242);
            assertThat(ack.path("notifications").path("toolsListChanged").asBoolean()).isTrue();
            assertThat(ack.path("notifications").has("promptsListChanged")).isFalse();
            // the fixture's watched resource is followed; a URI no server offers is not
            assertThat(ack.path("notifications").path("resourceSubscriptions")).extracting(JsonNode::asText)
                    .containsExactly("test://watched-resource");
        }
        olderSessionStillWorks();
    }

    @Test
    void aStoppingProxyEndsListenStreamsGracefully() throws Exception {
        String json = """
                {"proxy": {"port": 0, "namespace": "none"},
                 "mcpServers": {"fixture": {"url": "%s", "transport": "streamable-http"}}}
                """.formatted(fixture.url());
        ProxyApp stopping = ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")),
                ProxyApp.Options.httpOnly());
        RawMcpHttp other = new RawMcpHttp(stopping.endpoint(), Map.of());
        ObjectNode params = params(meta("{}"));
        params.putObject("notifications").put("toolsListChanged", true);
        ObjectNode request = request(77, "subscriptions/listen", params);
        HttpResponse<InputStream> response = other.http().send(other.request(headers(request))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(request))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> seen = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    seen.add(Json.parse(line.substring(5).trim()));
                    if (seen.size() == 1) {
                        Thread.ofVirtual().start(stopping::close);
                    }
                }
            }
        } finally {
            stopping.close();
        }
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).path("method").asText()).isEqualTo("notifications/subscriptions/acknowledged");
        JsonNode end = seen.get(1);
        assertThat(end.path("id").asInt()).isEqualTo(77);
        assertThat(end.path("result").path("resultType").asText()).isEqualTo("complete");
        assertThat(end.path("result").path("_meta").path("io.modelcontextprotocol/subscriptionId").asInt()).isEqualTo(77);
    }
}
