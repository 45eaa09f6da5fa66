package dev.dynamicmcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which x-mcp-header annotations are valid, and the Mcp-Param-* headers of a call. */
class XMcpHeadersTest {
    static List<XMcpHeaders.Declaration> scan(String schema, String[] problem) {
        return XMcpHeaders.scan(Json.parse(schema), problem);
    }

    @Test
    void validAnnotationsAreReachedThroughPropertiesAlone() {
        String[] problem = new String[1];
        List<XMcpHeaders.Declaration> found = scan("""
                {"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},
                 "nested":{"type":"object","properties":{"n":{"type":"integer","x-mcp-header":"N"}}}}}""", problem);
        assertThat(found).containsExactly(new XMcpHeaders.Declaration(List.of("region"), "Region"),
                new XMcpHeaders.Declaration(List.of("nested", "n"), "N"));
    }

    @Test
    void invalidAnnotationsMakeTheToolInvalid() {
        for (String schema : List.of(
                "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"x-mcp-header\":\"O\"}}}",
                "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"number\",\"x-mcp-header\":\"F\"}}}",
                "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"x-mcp-header\":\"has space\"}}}",
                "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"x-mcp-header\":\"\"}}}",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"X\"},"
                        + "\"b\":{\"type\":\"string\",\"x-mcp-header\":\"x\"}}}",
                "{\"type\":\"object\",\"items\":{\"type\":\"string\",\"x-mcp-header\":\"I\"}}",
                "{\"type\":\"object\",\"$defs\":{\"d\":{\"type\":\"string\",\"x-mcp-header\":\"D\"}}}",
                "{\"type\":\"object\",\"oneOf\":[{\"properties\":{\"s\":{\"type\":\"string\",\"x-mcp-header\":\"S\"}}}]}",
                "{\"type\":\"string\",\"x-mcp-header\":\"Root\"}")) {
            String[] problem = new String[1];
            assertThat(scan(schema, problem)).as(schema).isNull();
            assertThat(problem[0]).as(schema).isNotBlank();
        }
    }

    @Test
    void headersMirrorPrimitivesAndOmitNull() {
        XMcpHeaders headers = new XMcpHeaders();
        String[] problem = new String[1];
        headers.learn("t", scan("""
                {"type":"object","properties":{"s":{"type":"string","x-mcp-header":"S"},
                 "i":{"type":"integer","x-mcp-header":"I"},"b":{"type":"boolean","x-mcp-header":"B"},
                 "n":{"type":"string","x-mcp-header":"Nil"}}}""", problem));
        ObjectNode params = Json.object().put("name", "t");
        params.putObject("arguments").put("s", " padded").put("i", 42).put("b", false).putNull("n");
        JsonNode message = JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), "tools/call", params);
        assertThat(headers.headersFor((ObjectNode) message)).isEqualTo(Map.of("Mcp-Param-S", "=?base64?IHBhZGRlZA==?=",
                "Mcp-Param-I", "42", "Mcp-Param-B", "false"));
        params.put("name", "other");
        assertThat(headers.headersFor((ObjectNode) message)).isEmpty();
    }
}
