package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The classification ladder of one POST on the shared endpoint, as a table: body, the three headers, and what
 * must come of it (the TypeScript SDK v2's {@code classifyInboundRequest}, rule for rule).
 */
class EraClassifierTest {
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";
    private static final String META_2025 = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2025-11-25\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";
    private static final String NO_CAPS = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}";
    private static final String BAD_INFO = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{},\"io.modelcontextprotocol/clientInfo\":7}";

    private static String body(String kind, String method, String params) {
        String id = kind.equals("notification") ? "" : "\"id\":7,";
        return "{\"jsonrpc\":\"2.0\"," + id + "\"method\":\"" + method + "\",\"params\":{" + params + "}}";
    }

    private static String expand(String params) {
        return switch (params) {
            case "META" -> META;
            case "META_2025" -> META_2025;
            case "NO_CAPS" -> NO_CAPS;
            case "BAD_INFO" -> BAD_INFO;
            case "NONE" -> "";
            default -> throw new IllegalArgumentException(params);
        };
    }

    @ParameterizedTest(name = "{0} {1} params={2} version={3} method={4} -> {5}")
    @CsvSource(nullValues = "-", value = {
            // kind, method, params, MCP-Protocol-Version, Mcp-Method, expected
            "request, tools/list, NONE, -, -, legacy",
            "request, tools/list, NONE, 2025-11-25, -, legacy",
            "request, initialize, NONE, -, -, legacy",
            "request, initialize, NONE, 2025-11-25, -, legacy",
            "request, initialize, NONE, 2026-07-28, -, 400/-32020",
            "request, initialize, META, 2026-07-28, initialize, modern",
            "request, initialize, META_2025, -, -, legacy",
            "request, initialize, NO_CAPS, -, -, legacy",
            "request, tools/list, META, 2026-07-28, tools/list, modern",
            "request, tools/list, META, -, -, modern",
            "request, tools/list, META, 2025-11-25, -, 400/-32020",
            "request, tools/list, META, 2026-07-28, tools/call, 400/-32020",
            "request, tools/list, NO_CAPS, 2026-07-28, tools/list, 400/-32602",
            "request, tools/list, BAD_INFO, 2026-07-28, tools/list, 400/-32602",
            "request, tools/list, META_2025, 2025-11-25, tools/list, modern",
            "request, tools/list, NONE, 2026-07-28, tools/list, 400/-32602",
            "request, tools/list, NONE, v999.0.0, -, 400/-32602",
            "notification, notifications/cancelled, NONE, -, -, legacy",
            "notification, notifications/cancelled, NONE, 2026-07-28, -, modern",
            "notification, notifications/cancelled, META, -, -, modern",
            "notification, notifications/cancelled, NONE, 2026-07-28, ping, 400/-32020",
    })
    void classifies(String kind, String method, String params, String version, String mcpMethod, String expected) {
        JsonNode body = Json.parse(body(kind, method, expand(params)));
        EraClassifier.Outcome outcome = EraClassifier.classify(body, new EraClassifier.Headers(version, mcpMethod, null));
        String actual = switch (outcome) {
            case EraClassifier.Legacy legacy -> "legacy";
            case EraClassifier.Modern modern -> "modern";
            case EraClassifier.Reject reject -> reject.status() + "/" + reject.error().path("error").path("code").asInt();
        };
        assertThat(actual).isEqualTo(expected);
        if (outcome instanceof EraClassifier.Reject reject && kind.equals("request")) {
            assertThat(reject.error().path("id").asInt()).as("the request's id").isEqualTo(7);
        }
    }

    @ParameterizedTest(name = "batch {0} -> {1}")
    @CsvSource(value = {"NONE, legacy", "META, 400/-32600"})
    void batches(String params, String expected) {
        JsonNode body = Json.parse("[" + body("request", "tools/list", expand(params)) + "]");
        EraClassifier.Outcome outcome = EraClassifier.classify(body, new EraClassifier.Headers(null, null, null));
        String actual = outcome instanceof EraClassifier.Reject reject
                ? reject.status() + "/" + reject.error().path("error").path("code").asInt() : "legacy";
        assertThat(actual).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} name={1} header={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "tools/call, echo, echo, ok",
            "tools/call, echo, -, 400/-32020",
            "tools/call, echo, other, 400/-32020",
            "tools/call, echo, '  echo  ', ok",
            "tools/call, héllo, =?base64?aMOpbGxv?=, ok",
            "tools/call, echo, =?base64?!!!?=, 400/-32020",
            "tools/list, -, -, ok",
    })
    void standardHeaders(String method, String name, String header, String expected) {
        String params = META + (name == null ? "" : ",\"name\":\"" + name + "\"");
        JsonNode body = Json.parse(body("request", method, params));
        EraClassifier.Reject reject = EraClassifier.checkStandardHeaders((com.fasterxml.jackson.databind.node.ObjectNode) body,
                new EraClassifier.Headers("2026-07-28", method, header));
        String actual = reject == null ? "ok" : reject.status() + "/" + reject.error().path("error").path("code").asInt();
        assertThat(actual).isEqualTo(expected);
    }
}
