package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * A message over the JSON string limit ({@link Json#MAX_STRING_CHARS}) is never lost without a word: its id
 * and method are recovered from the text with a streaming scan that skips the big values without reading
 * them, so that the request it answers fails at once ({@link #failedAnswer}) and a request that is itself too
 * large is refused under its own id ({@link #refusal}).
 */
public final class OversizedMessage {
    /** How the limit is named in every message about it. */
    public static final String LIMIT = "the " + Json.MAX_STRING_CHARS / 1_000_000 + " MB JSON string limit";

    /** Marks the error response that {@link #failedAnswer} makes, so the waiting peer can say what it was. */
    private static final String MARKER = "tooLarge";

    private OversizedMessage() {
    }

    /**
     * What the beginning of a message says about it. {@code id} is null when it is unknown (not found, not
     * a string or integer, or the text is a batch); {@code method} null for a response or when unknown.
     */
    public record Envelope(JsonNode id, String method, boolean response) {
        static final Envelope UNKNOWN = new Envelope(null, null, false);

        /** A response with a known id: the request it answers can be failed. */
        public boolean answersRequest() {
            return response && id != null;
        }
    }

    /** Does this failure (or one of its causes) come from a string over the limit? */
    public static boolean isCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // the parser names the limit it hit; only the string length is ours to explain (depth, numbers and
            // names over their limits stay plain bad input)
            if (t instanceof StreamConstraintsException && String.valueOf(t.getMessage()).startsWith("String value length")) {
                return true;
            }
        }
        return false;
    }

    public static Envelope envelope(String text) {
        try {
            return envelope(Json.MAPPER.getFactory().createParser(text));
        } catch (IOException e) {
            return Envelope.UNKNOWN;
        }
    }

    public static Envelope envelope(byte[] bytes, int offset, int length) {
        try {
            return envelope(Json.MAPPER.getFactory().createParser(bytes, offset, length));
        } catch (IOException e) {
            return Envelope.UNKNOWN;
        }
    }

    /**
     * Reads the top-level members of one JSON object until the id and the kind are known, skipping every
     * other value unread (a skipped string is never built, so the limit does not apply). A text cut short or
     * over another limit gives what was seen before it.
     */
    private static Envelope envelope(JsonParser opened) {
        JsonNode id = null;
        String method = null;
        boolean response = false;
        try (JsonParser parser = opened) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Envelope.UNKNOWN;
            }
            while ((id == null || (method == null && !response)) && parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("id".equals(name) && (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT)) {
                    id = Json.MAPPER.readTree(parser);
                } else if ("method".equals(name) && value == JsonToken.VALUE_STRING) {
                    method = parser.getText();
                } else {
                    response |= "result".equals(name) || "error".equals(name);
                    parser.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            // cut short, or over another limit: what was seen so far is all we know
        }
        return new Envelope(id, method, response && method == null);
    }

    /**
     * The error response a reader gives in place of an answer it could not read, so that the request waiting
     * for it fails now instead of at its timeout. The waiting peer rewords it ({@link #answerError}).
     */
    public static ObjectNode failedAnswer(JsonNode id) {
        return JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "an answer over " + LIMIT, data().put(MARKER, true));
    }

    static boolean isFailedAnswer(JsonNode error) {
        return error.path("data").path(MARKER).asBoolean(false);
    }

    /**
     * What the request answered by a {@link #failedAnswer} fails with: an answer, not a lost connection (the
     * peer works, so neither breaker nor health hold it against the connection).
     */
    static McpException answerError(String peerName, String method) {
        return new McpException(JsonRpc.INTERNAL_ERROR, peerName + " answered " + method + " with a message over "
                + LIMIT, data());
    }

    /** The answer to a request over the limit, under its id when it could be read (else null, per JSON-RPC). */
    public static ObjectNode refusal(Envelope envelope) {
        String what = envelope.method() != null ? envelope.method() : "the message";
        return JsonRpc.error(envelope.id(), JsonRpc.INVALID_REQUEST, what + " is over " + LIMIT, data());
    }

    /** What clients see in {@code error.data}; the marker is for our own peer only, never sent on. */
    private static ObjectNode data() {
        return Json.object().put("maxStringChars", Json.MAX_STRING_CHARS);
    }
}
