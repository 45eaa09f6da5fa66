package dev.dynamicmcp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The 2026-07-28 envelope helpers and the header value codec. */
class McpMetaTest {
    @ParameterizedTest(name = "{0} modern={1}")
    @CsvSource({"2026-07-28, true", "2027-01-01, true", "v999.0.0, true", "2025-11-25, false", "2024-11-05, false"})
    void modernIsAtOrAfterTheFirstModernRevisionAsText(String version, boolean modern) {
        assertThat(McpMeta.isModernVersion(version)).isEqualTo(modern);
    }

    @Test
    void envelopeProblemsNameTheKey() {
        ObjectNode meta = Json.object().put(McpMeta.PROTOCOL_VERSION, "2026-07-28");
        assertThat(McpMeta.envelopeProblem(meta)).startsWith(McpMeta.CLIENT_CAPABILITIES + ": missing");
        meta.putObject(McpMeta.CLIENT_CAPABILITIES);
        assertThat(McpMeta.envelopeProblem(meta)).isNull();
        meta.put(McpMeta.LOG_LEVEL, "loud");
        assertThat(McpMeta.envelopeProblem(meta)).startsWith(McpMeta.LOG_LEVEL);
        meta.put(McpMeta.LOG_LEVEL, "debug");
        meta.put(McpMeta.CLIENT_INFO, "me");
        assertThat(McpMeta.envelopeProblem(meta)).startsWith(McpMeta.CLIENT_INFO);
        meta.put(McpMeta.PROTOCOL_VERSION, 7);
        assertThat(McpMeta.envelopeProblem(meta)).startsWith(McpMeta.PROTOCOL_VERSION);
    }

    @Test
    void theEnvelopeIsTakenOffForAnOlderUpstreamAndEverythingElseStays() {
        ObjectNode params = (ObjectNode) Json.parse("""
                {"name":"echo","arguments":{"a":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                 "io.modelcontextprotocol/clientCapabilities":{},"progressToken":5,"traceparent":"00-a-b-01",
                 "vendor/x":true}}""");
        ObjectNode stripped = McpMeta.withoutEnvelope(params);
        assertThat(stripped).isEqualTo(Json.parse("""
                {"name":"echo","arguments":{"a":1},"_meta":{"progressToken":5,"traceparent":"00-a-b-01","vendor/x":true}}"""));
        assertThat(params.path("_meta").has(McpMeta.PROTOCOL_VERSION)).as("the original is untouched").isTrue();
        ObjectNode onlyEnvelope = (ObjectNode) Json.parse(
                "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}");
        assertThat(McpMeta.withoutEnvelope(onlyEnvelope).has("_meta")).isFalse();
    }

    @Test
    void modernResultsKeepTheirFieldsAndGainResultTypeAndServerInfo() {
        ObjectNode server = Json.object().put("name", "proxy");
        ObjectNode legacy = (ObjectNode) Json.parse("{\"content\":[],\"_meta\":{\"vendor\":1}}");
        ObjectNode modern = McpMeta.modernResult(legacy, server);
        assertThat(modern.path("resultType").asText()).isEqualTo("complete");
        assertThat(modern.path("_meta").path("vendor").asInt()).isEqualTo(1);
        assertThat(modern.path("_meta").path(McpMeta.SERVER_INFO)).isEqualTo(server);
        assertThat(legacy).as("the upstream's result is left as it was").isEqualTo(
                Json.parse("{\"content\":[],\"_meta\":{\"vendor\":1}}"));
        modern.put("ttlMs", 0); // what the handler adds to a 2025-era read
        assertThat(legacy.has("ttlMs")).as("top-level additions to the copy stay on the copy").isFalse();
        ObjectNode asking = (ObjectNode) Json.parse("{\"resultType\":\"input_required\",\"inputRequests\":{}}");
        assertThat(McpMeta.modernResult(asking, server).path("resultType").asText()).isEqualTo("input_required");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(value = {"echo|echo", "' padded '|=?base64?IHBhZGRlZCA=?=", "héllo|=?base64?aMOpbGxv?=",
            "'a\tb'|=?base64?YQli?="}, delimiter = '|')
    void headerValuesRoundTrip(String value, String header) {
        assertThat(McpHeaderCodec.encode(value)).isEqualTo(header);
        assertThat(McpHeaderCodec.decode(header)).isEqualTo(value);
    }

    @Test
    void aBrokenSentinelDoesNotDecode() {
        assertThat(McpHeaderCodec.decode("=?base64?***?=")).isNull();
        assertThat(McpHeaderCodec.decode("=?base64?/w==?=")).as("not UTF-8").isNull();
        assertThat(McpHeaderCodec.decode("plain")).isEqualTo("plain");
    }
}
