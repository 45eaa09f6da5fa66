package dev.dynamicmcp.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.Version;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.transport.server.DownstreamSession;
import dev.dynamicmcp.transport.server.SessionListener;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The two small MCP servers of the built-in demo, so a newcomer sees a merged server with nothing installed
 * but a JDK: {@code clock} (run as a stdio child process of the same jar) and {@code notes} (served over
 * Streamable HTTP in-process).
 */
public final class DemoServer implements SessionListener {

    public enum Kind { CLOCK, NOTES }

    private final Kind kind;
    private final List<String> notes = new CopyOnWriteArrayList<>();

    public DemoServer(Kind kind) {
        this.kind = kind;
    }

    @Override
    public JsonRpcPeer.Handler opened(DownstreamSession session) {
        return new JsonRpcPeer.Handler() {
            @Override
            public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
                try {
                    return CompletableFuture.completedFuture(handle(session, request));
                } catch (McpException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public void onNotification(ObjectNode notification) {
                // nothing to do: the demo keeps no per-session state
            }
        };
    }

    @Override
    public void closed(DownstreamSession session) {
        // nothing to release
    }

    private JsonNode handle(DownstreamSession session, ObjectNode request) {
        ObjectNode params = JsonRpc.params(request);
        return switch (JsonRpc.method(request)) {
            case McpMethods.INITIALIZE -> initialize(params);
            case McpMethods.PING -> Json.object();
            case McpMethods.TOOLS_LIST -> tools();
            case McpMethods.TOOLS_CALL -> call(session, params);
            case McpMethods.RESOURCES_LIST -> resources();
            case McpMethods.RESOURCES_TEMPLATES_LIST -> Json.object().set("resourceTemplates", Json.array());
            case McpMethods.RESOURCES_READ -> read(params);
            case McpMethods.PROMPTS_LIST -> prompts();
            case McpMethods.PROMPTS_GET -> prompt(params);
            default -> throw new McpException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + JsonRpc.method(request));
        };
    }

    private ObjectNode initialize(ObjectNode params) {
        String requested = params.path("protocolVersion").asText();
        ObjectNode result = Json.object().put("protocolVersion",
                McpMethods.PROTOCOL_VERSIONS.contains(requested) ? requested : McpMethods.LATEST_PROTOCOL_VERSION);
        ObjectNode capabilities = result.putObject("capabilities");
        capabilities.putObject("tools").put("listChanged", kind == Kind.NOTES);
        if (kind == Kind.NOTES) {
            capabilities.putObject("resources").put("listChanged", false);
            capabilities.putObject("prompts").put("listChanged", false);
        }
        result.putObject("serverInfo").put("name", "demo-" + kind.name().toLowerCase()).put("version", Version.get());
        result.put("instructions", kind == Kind.CLOCK
                ? "Tells the time anywhere: call now with an IANA zone such as Europe/Paris."
                : "A scratch pad: add_note stores a line, the notes://all resource reads them back.");
        return result;
    }

    private ObjectNode tools() {
        ObjectNode result = Json.object();
        ArrayNode tools = result.putArray("tools");
        if (kind == Kind.CLOCK) {
            ObjectNode now = tools.addObject().put("name", "now")
                    .put("description", "The current date and time in a time zone (default UTC).");
            ObjectNode schema = now.putObject("inputSchema").put("type", "object");
            schema.putObject("properties").putObject("zone").put("type", "string")
                    .put("description", "IANA time zone, e.g. Europe/Paris");
            ObjectNode add = tools.addObject().put("name", "add").put("description", "Adds two numbers.");
            ObjectNode addSchema = add.putObject("inputSchema").put("type", "object");
            ObjectNode props = addSchema.putObject("properties");
            props.putObject("a").put("type", "number");
            props.putObject("b").put("type", "number");
            addSchema.putArray("required").add("a").add("b");
        } else {
            ObjectNode add = tools.addObject().put("name", "add_note").put("description", "Stores a note.");
            ObjectNode schema = add.putObject("inputSchema").put("type", "object");
            schema.putObject("properties").putObject("text").put("type", "string");
            schema.putArray("required").add("text");
            tools.addObject().put("name", "list_notes").put("description", "Lists the stored notes.")
                    .putObject("inputSchema").put("type", "object");
        }
        return result;
    }

    private ObjectNode call(DownstreamSession session, ObjectNode params) {
        String name = params.path("name").asText();
        JsonNode arguments = params.path("arguments");
        return switch (name) {
            case "now" -> {
                String zone = arguments.path("zone").asText("UTC");
                try {
                    String time = ZonedDateTime.now(ZoneId.of(zone)).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
                    ObjectNode result = text(time);
                    result.putObject("structuredContent").put("zone", zone).put("time", time);
                    yield result;
                } catch (java.time.DateTimeException e) {
                    yield text("unknown time zone \"" + zone + "\"").put("isError", true);
                }
            }
            case "add" -> {
                if (!arguments.path("a").isNumber() || !arguments.path("b").isNumber()) {
                    throw new McpException(JsonRpc.INVALID_PARAMS, "add needs numbers a and b");
                }
                double sum = arguments.path("a").asDouble() + arguments.path("b").asDouble();
                ObjectNode result = text(sum == Math.rint(sum) ? Long.toString((long) sum) : Double.toString(sum));
                result.putObject("structuredContent").put("sum", sum);
                yield result;
            }
            case "add_note" -> {
                String text = arguments.path("text").asText("");
                if (text.isBlank()) {
                    throw new McpException(JsonRpc.INVALID_PARAMS, "add_note needs a non-empty text");
                }
                notes.add(text);
                yield text("stored note #" + notes.size());
            }
            case "list_notes" -> text(notes.isEmpty() ? "(no notes yet)" : String.join("\n", notes));
            default -> throw new McpException(JsonRpc.INVALID_PARAMS, "Unknown tool: " + name);
        };
    }

    private ObjectNode resources() {
        ObjectNode result = Json.object();
        ArrayNode resources = result.putArray("resources");
        if (kind == Kind.NOTES) {
            resources.addObject().put("uri", "notes://all").put("name", "all notes").put("mimeType", "text/plain");
        }
        return result;
    }

    private ObjectNode read(ObjectNode params) {
        String uri = params.path("uri").asText();
        if (kind != Kind.NOTES || !"notes://all".equals(uri)) {
            throw new McpException(-32002, "Resource not found: " + uri, Json.object().put("uri", uri));
        }
        ObjectNode result = Json.object();
        result.putArray("contents").addObject().put("uri", uri).put("mimeType", "text/plain")
                .put("text", String.join("\n", notes));
        return result;
    }

    private ObjectNode prompts() {
        ObjectNode result = Json.object();
        ArrayNode prompts = result.putArray("prompts");
        if (kind == Kind.NOTES) {
            prompts.addObject().put("name", "summarize_notes").put("description", "Asks to summarize the notes.");
        }
        return result;
    }

    private ObjectNode prompt(ObjectNode params) {
        if (kind != Kind.NOTES || !"summarize_notes".equals(params.path("name").asText())) {
            throw new McpException(JsonRpc.INVALID_PARAMS, "Unknown prompt: " + params.path("name").asText());
        }
        ObjectNode result = Json.object().put("description", "Summarize the notes");
        ObjectNode message = result.putArray("messages").addObject().put("role", "user");
        message.putObject("content").put("type", "text")
                .put("text", "Summarize these notes:\n" + String.join("\n", notes));
        return result;
    }

    private static ObjectNode text(String text) {
        ObjectNode result = Json.object();
        result.putArray("content").addObject().put("type", "text").put("text", text);
        return result;
    }
}
