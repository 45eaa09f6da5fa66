package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The one JSON mapper of the project. MCP messages are handled as Jackson trees so that every field
 * we do not model is forwarded untouched.
 */
public final class Json {
    /**
     * Longest JSON string value the mapper reads, in characters: Jackson's own default, made explicit so that
     * what is said about it ({@link OversizedMessage#LIMIT}) stays true.
     */
    public static final int MAX_STRING_CHARS = 20_000_000;

    /**
     * Jackson's default buffer pool is one per thread. The proxy parses and writes on virtual threads, mostly new
     * for each request, so each message allocated fresh parser and generator buffers (a third of the proxy's
     * allocated bytes under load) that lived long enough to be promoted. A shared pool reuses them; it grows
     * only to the number of parses and writes running at the same instant (on carrier threads: a few).
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_STRING_CHARS).build())
                    .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /**
     * A new object with the same members (the values themselves are shared, not copied): the cheap way to
     * change a top-level member of a message we forward without touching the original.
     */
    public static ObjectNode shallowCopy(ObjectNode node) {
        ObjectNode copy = object();
        copy.setAll(node);
        return copy;
    }

    /**
     * Reads exactly one JSON text: "{} {}" or "{} trailing" is an error, not its first value (the rest would be
     * lost without a word). Every reader of a peer's message goes through it, upstream and downstream.
     */
    public static final ObjectReader ONE_TEXT = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Parses one JSON text; throws {@link MalformedMessageException} naming the problem, and its subclass
     * {@link MessageTooLargeException} for a string over {@link #MAX_STRING_CHARS}.
     */
    public static JsonNode parse(String text) {
        try {
            return present(ONE_TEXT.readTree(text));
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
    }

    /**
     * Parses one JSON text in UTF-8 straight from its bytes (no string of the whole text first); bytes that are not
     * UTF-8 are an error naming them, not characters replaced.
     */
    public static JsonNode parse(byte[] bytes) {
        try {
            return present(ONE_TEXT.readTree(bytes));
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) { // not from an array; kept as the same kind of failure
            throw new MalformedMessageException("not valid JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode present(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            throw new MalformedMessageException("empty JSON text");
        }
        return node;
    }

    private static MalformedMessageException malformed(JsonProcessingException e) {
        if (OversizedMessage.isCause(e)) {
            return new MessageTooLargeException(e);
        }
        return new MalformedMessageException("not valid JSON: " + e.getOriginalMessage(), e);
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    public static byte[] writeBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
