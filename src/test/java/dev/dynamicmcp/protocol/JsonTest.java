package dev.dynamicmcp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void bytesAreReadAsUtf8WithEveryCharacterKept() {
        String text = "{\"text\":\"caf\u00e9 \uD83D\uDE00 \u4e2d\",\"n\":12345678901234567890}";

        JsonNode node = Json.parse(text.getBytes(StandardCharsets.UTF_8));

        assertThat(node.path("text").asText()).isEqualTo("caf\u00e9 \uD83D\uDE00 \u4e2d");
        assertThat(node.path("n").bigIntegerValue()).hasToString("12345678901234567890");
        assertThat(node).isEqualTo(Json.parse(text));
    }

    @Test
    void bytesThatAreNotUtf8AreAnErrorNotReplacedCharacters() {
        byte[] latin1 = "{\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> Json.parse(latin1)).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("UTF-8");
    }

    @Test
    void aSecondValueAfterTheFirstIsAnErrorNotDropped() {
        for (String text : new String[] {"{\"a\":1} {\"b\":2}", "{\"a\":1} trailing", "[1] 2"}) {
            assertThatThrownBy(() -> Json.parse(text.getBytes(StandardCharsets.UTF_8))).as(text)
                    .isInstanceOf(MalformedMessageException.class).hasMessageContaining("not valid JSON");
            assertThatThrownBy(() -> Json.parse(text)).as(text).isInstanceOf(MalformedMessageException.class);
        }
        assertThat(Json.parse("{\"a\":1}\r\n  ".getBytes(StandardCharsets.UTF_8)).path("a").asInt()).isEqualTo(1);
    }

    @Test
    void emptyTextIsAnError() {
        assertThatThrownBy(() -> Json.parse(new byte[0])).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("empty JSON text");
        assertThatThrownBy(() -> Json.parse("  ")).isInstanceOf(MalformedMessageException.class);
    }
}
