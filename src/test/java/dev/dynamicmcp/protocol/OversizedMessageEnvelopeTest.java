package dev.dynamicmcp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The limit is what the mapper applies, and a message over it still tells whose it is. */
class OversizedMessageEnvelopeTest {
    private static final String BIG = "x".repeat(Json.MAX_STRING_CHARS + 1);

    @Test
    void theMapperAppliesTheNamedLimitAndSaysSoApartFromOtherBadInput() {
        String atLimit = "{\"s\":\"" + "x".repeat(Json.MAX_STRING_CHARS) + "\"}";
        assertThat(Json.parse(atLimit).path("s").asText()).hasSize(Json.MAX_STRING_CHARS);
        assertThatThrownBy(() -> Json.parse("{\"s\":\"" + BIG + "\"}"))
                .isInstanceOf(MessageTooLargeException.class)
                .hasMessage("a message over the 20 MB JSON string limit");
        // over another of the parser's limits (nesting depth): plain bad input, not "over the string limit"
        assertThatThrownBy(() -> Json.parse("[".repeat(2_000) + "]".repeat(2_000)))
                .isInstanceOf(MalformedMessageException.class)
                .isNotInstanceOf(MessageTooLargeException.class);
    }

    @Test
    void aResponsesIdIsFoundBeforeOrAfterTheBigResult() {
        OversizedMessage.Envelope before = OversizedMessage.envelope(
                "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"" + BIG + "\"}]}}");
        OversizedMessage.Envelope after = OversizedMessage.envelope(
                "{\"jsonrpc\":\"2.0\",\"result\":{\"content\":[{\"text\":\"" + BIG + "\"}],\"n\":[1,{}]},\"id\":\"r-6\"}");

        assertThat(before).isEqualTo(new OversizedMessage.Envelope(IntNode.valueOf(6), null, true));
        assertThat(before.answersRequest()).isTrue();
        assertThat(after.id()).isEqualTo(TextNode.valueOf("r-6"));
        assertThat(after.answersRequest()).isTrue();
    }

    @Test
    void aRequestIsNotAnAnswerAndANotificationOrBatchHasNoId() {
        OversizedMessage.Envelope request = OversizedMessage.envelope(
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"a\":\"" + BIG + "\"}}");
        OversizedMessage.Envelope notification = OversizedMessage.envelope(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"" + BIG + "\"}}");
        OversizedMessage.Envelope batch = OversizedMessage.envelope("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]");

        assertThat(request).isEqualTo(new OversizedMessage.Envelope(IntNode.valueOf(9), "tools/call", false));
        assertThat(request.answersRequest()).isFalse();
        assertThat(OversizedMessage.refusal(request).path("id").asInt()).isEqualTo(9);
        assertThat(OversizedMessage.refusal(request).path("error").path("message").asText())
                .isEqualTo("tools/call is over the 20 MB JSON string limit");
        assertThat(notification.id()).isNull();
        assertThat(notification.method()).isEqualTo("notifications/message");
        assertThat(OversizedMessage.refusal(notification).get("id").isNull()).isTrue();
        assertThat(batch.id()).isNull();
        assertThat(batch.answersRequest()).isFalse();
    }

    @Test
    void aTextCutShortGivesWhatWasSeenBeforeTheCut() {
        byte[] head = ("{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":{\"content\":[{\"text\":\"xxxxxxxx")
                .getBytes(StandardCharsets.UTF_8);
        OversizedMessage.Envelope cut = OversizedMessage.envelope(head, 0, head.length);
        OversizedMessage.Envelope garbage = OversizedMessage.envelope("not json at all");

        assertThat(cut.id()).isEqualTo(IntNode.valueOf(12));
        assertThat(cut.answersRequest()).isTrue();
        assertThat(garbage.id()).isNull();
    }
}
