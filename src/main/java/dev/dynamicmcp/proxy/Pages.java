package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Downstream pagination of the merged lists with opaque cursors. A cursor encodes the list and an offset; a
 * list that changed between pages is served from the same offset of the new list (clients are told of the
 * change by list_changed and list again).
 */
final class Pages {
    private Pages() {
    }

    static ObjectNode page(String key, List<ObjectNode> items, JsonNode params, int pageSize) {
        return page(key, items, offset(key, params), pageSize);
    }

    /** Where the page asked for starts: 0 without a cursor; an invalid cursor is an error naming it. */
    static int offset(String key, JsonNode params) {
        JsonNode cursor = params == null ? null : params.get("cursor");
        return cursor == null || cursor.isNull() ? 0 : decode(key, cursor);
    }

    static ObjectNode page(String key, List<ObjectNode> items, int offset, int pageSize) {
        int end = (int) Math.min((long) offset + pageSize, items.size());
        ObjectNode result = Json.object();
        ArrayNode array = result.putArray(key);
        for (int i = Math.min(offset, items.size()); i < end; i++) {
            array.add(items.get(i));
        }
        if (end < items.size()) {
            result.put("nextCursor", encode(key, end));
        }
        return result;
    }

    static String encode(String key, int offset) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((key + ":" + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static int decode(String key, JsonNode cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor.asText()), StandardCharsets.UTF_8);
            int colon = text.lastIndexOf(':');
            if (colon > 0 && text.substring(0, colon).equals(key)) {
                int offset = Integer.parseInt(text.substring(colon + 1));
                if (offset >= 0) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw new McpException(JsonRpc.INVALID_PARAMS, "invalid cursor " + cursor + " for " + key
                + ": pass back a nextCursor exactly as the proxy gave it");
    }
}
