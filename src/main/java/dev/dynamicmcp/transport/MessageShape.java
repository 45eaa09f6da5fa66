package dev.dynamicmcp.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.OversizedMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what a peer sent into JSON-RPC messages, or says why it is not one. Transports only check the
 * envelope (so a garbage line never reaches the session layer); method names and params are not their job.
 */
final class MessageShape {

    static final int SNIPPET_CHARS = 200;

    private MessageShape() {
    }

    /** The messages in one JSON text (an object, or a batch array); throws naming the problem. */
    static List<ObjectNode> parse(byte[] bytes, int offset, int length) throws BadMessageException {
        return messagesOf(read(bytes, offset, length));
    }

    /** One message; a batch array is refused (stdio carries one message a line). */
    static ObjectNode parseSingle(byte[] bytes, int offset, int length) throws BadMessageException {
        JsonNode node = read(bytes, offset, length);
        if (node.isArray()) {
            throw new BadMessageException("a JSON array where one JSON-RPC message was expected");
        }
        return check(node);
    }

    private static JsonNode read(byte[] bytes, int offset, int length) throws BadMessageException {
        try {
            JsonNode node = Json.ONE_TEXT.readTree(bytes, offset, length); // "{} trailing" is not "{}"
            if (node == null || node.isMissingNode()) {
                throw new BadMessageException("empty JSON text");
            }
            return node;
        } catch (JsonProcessingException e) {
            if (OversizedMessage.isCause(e)) {
                throw new BadMessageException("a message over " + OversizedMessage.LIMIT, true);
            }
            throw new BadMessageException("not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new BadMessageException("not valid JSON (" + e.getMessage() + ")");
        }
    }

    private static List<ObjectNode> messagesOf(JsonNode node) throws BadMessageException {
        if (node.isArray()) {
            if (node.isEmpty()) {
                throw new BadMessageException("an empty JSON-RPC batch");
            }
            List<ObjectNode> messages = new ArrayList<>(node.size());
            for (JsonNode element : node) {
                messages.add(check(element));
            }
            return messages;
        }
        return List.of(check(node));
    }

    private static ObjectNode check(JsonNode node) throws BadMessageException {
        if (!(node instanceof ObjectNode object)) {
            throw new BadMessageException("JSON " + node.getNodeType().name().toLowerCase() + ", not an object");
        }
        if (!"2.0".equals(object.path("jsonrpc").asText(null)) || !object.get("jsonrpc").isTextual()) {
            throw new BadMessageException("an object without \"jsonrpc\": \"2.0\"");
        }
        JsonNode method = object.get("method");
        if (method != null) {
            if (!method.isTextual()) {
                throw new BadMessageException("a message whose \"method\" is not a string");
            }
            return object;
        }
        boolean hasId = object.has("id");
        boolean hasResult = object.has("result");
        boolean hasError = object.has("error");
        if (!hasId || hasResult == hasError) {
            throw new BadMessageException("neither a request, a notification nor a response");
        }
        return object;
    }

    /** The first {@link #SNIPPET_CHARS} characters, for logs: a bad line may be megabytes long. */
    static String snippet(String text) {
        String oneLine = text.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= SNIPPET_CHARS
                ? oneLine
                : oneLine.substring(0, SNIPPET_CHARS) + "... (" + text.length() + " chars)";
    }

    static String snippet(byte[] bytes, int length) {
        return snippetOf(bytes, length, SNIPPET_CHARS, length);
    }

    /** At most {@code maxChars} of the bytes as one line, saying how long the whole was when cut. */
    static String snippetOf(byte[] bytes, int length, int maxChars, long fullLength) {
        int shown = Math.min(length, maxChars * 4);
        String text = new String(bytes, 0, shown, StandardCharsets.UTF_8).replace('\n', ' ').replace('\r', ' ');
        boolean cut = shown < fullLength || text.length() > maxChars;
        if (text.length() > maxChars) {
            text = text.substring(0, maxChars);
        }
        return cut ? text + "... (" + fullLength + " bytes)" : text;
    }

    /**
     * Do two JSON-RPC ids name the same request? Compared by value: our request's id may be an IntNode while
     * the parsed response's is a BigIntegerNode (the mapper reads all integers as BigInteger).
     */
    static boolean sameId(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    /** Is this a request (has both method and id)? Only requests get responses. */
    static boolean isRequest(ObjectNode message) {
        return message.has("method") && message.has("id") && !message.get("id").isNull();
    }

    static final class BadMessageException extends Exception {
        private final boolean tooLarge;

        BadMessageException(String message) {
            this(message, false);
        }

        BadMessageException(String message, boolean tooLarge) {
            super(message, null, false, false);
            this.tooLarge = tooLarge;
        }

        /** Over the JSON string limit: its id may still be recovered ({@link OversizedMessage#envelope}). */
        boolean tooLarge() {
            return tooLarge;
        }
    }
}
