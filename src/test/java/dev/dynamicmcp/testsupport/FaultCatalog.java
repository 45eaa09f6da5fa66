package dev.dynamicmcp.testsupport;

import static dev.dynamicmcp.testsupport.FaultJson.INVALID_PARAMS;
import static dev.dynamicmcp.testsupport.FaultJson.RESOURCE_NOT_FOUND;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.testsupport.FaultJson.RpcError;
import java.util.List;

/** The fault server's fixed resources, resource template, prompt and completions. */
final class FaultCatalog {
    static final String HELLO_URI = "fault://static/hello";
    static final String ITEM_PREFIX = "fault://items/";
    private static final List<String> NAMES = List.of("alice", "albert", "bob", "carol");

    private FaultCatalog() {
    }

    static JsonNode resources() {
        ObjectNode result = FaultJson.object();
        result.putArray("resources").addObject().put("uri", HELLO_URI).put("name", "hello")
                .put("title", "Hello").put("mimeType", "text/plain");
        return result;
    }

    static JsonNode resourceTemplates() {
        ObjectNode result = FaultJson.object();
        result.putArray("resourceTemplates").addObject().put("uriTemplate", ITEM_PREFIX + "{id}")
                .put("name", "item").put("mimeType", "text/plain");
        return result;
    }

    static JsonNode read(String uri) {
        String text;
        if (HELLO_URI.equals(uri)) {
            text = "Hello from the fault server";
        } else if (uri.startsWith(ITEM_PREFIX) && uri.length() > ITEM_PREFIX.length()) {
            text = "item " + uri.substring(ITEM_PREFIX.length());
        } else {
            throw new RpcError(RESOURCE_NOT_FOUND, "Resource not found: " + uri);
        }
        ObjectNode result = FaultJson.object();
        result.putArray("contents").addObject().put("uri", uri).put("mimeType", "text/plain").put("text", text);
        return result;
    }

    static JsonNode prompts() {
        ObjectNode result = FaultJson.object();
        ObjectNode greet = result.putArray("prompts").addObject().put("name", "greet").put("description", "Greets someone.");
        greet.putArray("arguments").addObject().put("name", "name").put("description", "Who to greet").put("required", true);
        return result;
    }

    static JsonNode getPrompt(JsonNode params) {
        if (!"greet".equals(params.path("name").asText())) {
            throw new RpcError(INVALID_PARAMS, "Unknown prompt: " + params.path("name").asText());
        }
        String name = params.path("arguments").path("name").asText("");
        if (name.isEmpty()) {
            throw new RpcError(INVALID_PARAMS, "greet needs the argument name");
        }
        ObjectNode result = FaultJson.object().put("description", "A greeting");
        result.putArray("messages").addObject().put("role", "user").putObject("content")
                .put("type", "text").put("text", "Hello, " + name + "!");
        return result;
    }

    /** completion/complete: names for greet's {@code name}, ids for the item template's {@code id}. */
    static JsonNode complete(JsonNode params) {
        JsonNode ref = params.path("ref");
        String argument = params.path("argument").path("name").asText("");
        String prefix = params.path("argument").path("value").asText("");
        List<String> candidates;
        if ("ref/prompt".equals(ref.path("type").asText()) && "greet".equals(ref.path("name").asText())
                && "name".equals(argument)) {
            candidates = NAMES;
        } else if ("ref/resource".equals(ref.path("type").asText())
                && (ITEM_PREFIX + "{id}").equals(ref.path("uri").asText()) && "id".equals(argument)) {
            candidates = List.of("1", "2", "3", "10", "11");
        } else {
            candidates = List.of();
        }
        List<String> values = candidates.stream().filter(v -> v.startsWith(prefix)).toList();
        ObjectNode result = FaultJson.object();
        ObjectNode completion = result.putObject("completion");
        ArrayNode array = completion.putArray("values");
        values.forEach(array::add);
        completion.put("total", values.size()).put("hasMore", false);
        return result;
    }
}
