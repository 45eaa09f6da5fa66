package dev.dynamicmcp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The MCP 2026-07-28 wire helpers: header value encoding, the request envelope, resultType. */
class McpModernWireTest {
    @Test
    void headerValuesThatAreNotPlainVisibleAsciiTravelAsBase64() {
        assertThat(McpHeaderCodec.encode("us-west1")).isEqualTo("us-west1");
        assertThat(McpHeaderCodec.encode("us west 1")).isEqualTo("us west 1");
        // a tab is a control character too (SEP-2243), wherever it stands
        for (String odd : new String[] {"", " padded", "trailing ", "\tindented", "a\tb", "Hello, 世界",
                "line1\nline2", "=?base64?abc?="}) {
            String encoded = McpHeaderCodec.encode(odd);
            assertThat(encoded).startsWith(McpHeaderCodec.PREFIX).endsWith(McpHeaderCodec.SUFFIX);
            assertThat(McpHeaderCodec.decode(encoded)).isEqualTo(odd);
        }
        assertThat(McpHeaderCodec.encode(" x")).isEqualTo("=?base64?IHg=?=");
    }

    @Test
    void theEnvelopeKeepsTheCallersMetaAndNamesOurVersionAndInfo() {
        ObjectNode params = Json.object().put("name", "t");
        ObjectNode meta = params.putObject("_meta").put("progressToken", 7).put("traceparent", "00-abc-def-01");
        meta.put(McpMeta.PROTOCOL_VERSION, "1999-01-01");
        ObjectNode wrapped = McpMeta.withEnvelope(params, "2026-07-28", Json.object().put("x", 1),
                Json.object().put("name", "proxy"), "debug");
        ObjectNode out = (ObjectNode) wrapped.get("_meta");
        assertThat(out.path(McpMeta.PROTOCOL_VERSION).asText()).isEqualTo("2026-07-28");
        assertThat(out.path("progressToken").asInt()).isEqualTo(7);
        assertThat(out.path("traceparent").asText()).isEqualTo("00-abc-def-01");
        assertThat(out.path(McpMeta.CLIENT_CAPABILITIES).path("x").asInt()).isEqualTo(1);
        assertThat(out.path(McpMeta.CLIENT_INFO).path("name").asText()).isEqualTo("proxy");
        assertThat(out.path(McpMeta.LOG_LEVEL).asText()).isEqualTo("debug");
        assertThat(params.path("_meta").path(McpMeta.PROTOCOL_VERSION).asText()).as("caller's params untouched")
                .isEqualTo("1999-01-01");
        assertThat(McpMeta.claimedVersion(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), "x", wrapped)))
                .isEqualTo("2026-07-28");
    }

    @Test
    void callerCapabilitiesWinOverTheDefault() {
        ObjectNode params = Json.object();
        params.putObject("_meta").putObject(McpMeta.CLIENT_CAPABILITIES).putObject("sampling");
        ObjectNode wrapped = McpMeta.withEnvelope(params, "2026-07-28", Json.object().put("x", 1), null, null);
        assertThat(wrapped.path("_meta").path(McpMeta.CLIENT_CAPABILITIES).has("sampling")).isTrue();
        assertThat(wrapped.path("_meta").path(McpMeta.CLIENT_CAPABILITIES).has("x")).isFalse();
        assertThat(wrapped.path("_meta").has(McpMeta.LOG_LEVEL)).isFalse();
    }

    @Test
    void anAbsentResultTypeIsComplete() {
        assertThat(McpResults.isInputRequired(Json.object())).isFalse();
        assertThat(McpResults.resultType(Json.object())).isEqualTo(McpResults.COMPLETE);
        assertThat(McpResults.isInputRequired(Json.object().put("resultType", "input_required"))).isTrue();
    }
}
