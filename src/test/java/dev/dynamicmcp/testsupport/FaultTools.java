package dev.dynamicmcp.testsupport;

import static dev.dynamicmcp.testsupport.FaultJson.INVALID_PARAMS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.testsupport.FaultJson.RpcError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/** The fault server's tools: their definitions, tools/list paging and what each call does. */
final class FaultTools {
    /** Tools whose call sends messages before its answer; over Streamable HTTP they answer with an SSE stream. */
    static final Set<String> STREAMING = Set.of("progress", "sample", "elicit", "roots", "log");

    private static final List<ObjectNode> BASE = List.of(
            echoDefinition(),
            tool("add", "Adds a and b.", "a", "number", "b", "number"),
            tool("sleep", "Answers after ms milliseconds, or never once cancelled.", "ms", "integer"),
            tool("progress", "Sends one progress notification per step, then answers.", "steps", "integer"),
            tool("sample", "Asks the client for sampling/createMessage and returns its answer.", "prompt", "string"),
            tool("elicit", "Asks the client for elicitation/create and returns its answer.", "message", "string"),
            tool("roots", "Asks the client for roots/list and returns its answer."),
            tool("log", "Sends notifications/message.", "level", "string", "message", "string"),
            tool("huge", "Answers with a text of that many bytes.", "bytes", "integer"),
            tool("crash", "Goes down at once without answering."),
            tool("add_tool", "Adds a tool extra_N and sends notifications/tools/list_changed."),
            tool("cancellations", "Lists the request ids that notifications/cancelled named."),
            tool("touch", "Sends notifications/resources/updated for a subscribed uri.", "uri", "string"));

    private final FaultState state;
    private final FaultSession session;

    FaultTools(FaultState state, FaultSession session) {
        this.state = state;
        this.session = session;
    }

    /** tools/list, in pages of {@code --page-size} with an opaque nextCursor. */
    JsonNode list(JsonNode params) {
        List<ObjectNode> all = all();
        int offset = params.hasNonNull("cursor") ? decodeCursor(params.get("cursor").asText()) : 0;
        if (offset < 0 || offset > all.size()) {
            throw new RpcError(INVALID_PARAMS, "Invalid cursor");
        }
        int end = Math.min(all.size(), offset + state.options.pageSize());
        ObjectNode result = FaultJson.object();
        ArrayNode page = result.putArray("tools");
        all.subList(offset, end).forEach(t -> page.add(t.deepCopy()));
        if (end < all.size()) {
            result.put("nextCursor", encodeCursor(end));
        }
        return result;
    }

    private List<ObjectNode> all() {
        List<ObjectNode> all = new ArrayList<>(BASE);
        for (String name : state.addedTools()) {
            all.add(tool(name, "Added at run time by add_tool."));
        }
        for (int i = 0; i < state.options.tools(); i++) {
            all.add(tool("t" + i, "Trivial tool number " + i + "."));
        }
        return all;
    }

    private static String encodeCursor(int offset) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("tools@" + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static int decodeCursor(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            return text.startsWith("tools@") ? Integer.parseInt(text.substring(6)) : -1;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    JsonNode call(JsonNode params, FaultSession.Call call) {
        String name = params.path("name").asText("");
        JsonNode args = params.path("arguments");
        return switch (name) {
            case "echo" -> echo(args.path("message").asText(""));
            case "add" -> add(args.path("a"), args.path("b"));
            case "sleep" -> {
                long ms = args.path("ms").asLong(0);
                call.sleep(ms);
                yield text("slept " + ms + " ms");
            }
            case "progress" -> {
                int steps = args.path("steps").asInt(0);
                long interval = args.path("intervalMs").asLong(0);
                for (int i = 1; i <= steps; i++) {
                    call.progress(i, steps, "step " + i + " of " + steps);
                    if (interval > 0) {
                        call.sleep(interval);
                    }
                }
                yield text("done " + steps + " steps");
            }
            case "sample" -> {
                ObjectNode request = FaultJson.object().put("maxTokens", 100);
                request.putArray("messages").addObject().put("role", "user").putObject("content")
                        .put("type", "text").put("text", args.path("prompt").asText("Say hello"));
                yield fromClient("sampling/createMessage", call.askClient("sampling/createMessage", request));
            }
            case "elicit" -> {
                ObjectNode request = FaultJson.object().put("message", args.path("message").asText("Your name?"));
                ObjectNode schema = request.putObject("requestedSchema").put("type", "object");
                schema.putObject("properties").putObject("name").put("type", "string");
                yield fromClient("elicitation/create", call.askClient("elicitation/create", request));
            }
            case "roots" -> fromClient("roots/list", call.askClient("roots/list", FaultJson.object()));
            case "log" -> {
                String level = args.path("level").asText("info");
                if (session.logs(level)) {
                    ObjectNode log = FaultJson.object().put("level", level).put("logger", "fault-server");
                    log.put("data", args.path("message").asText(""));
                    call.send(FaultJson.notification("notifications/message", log));
                }
                yield text("logged at " + level);
            }
            case "huge" -> text("x".repeat(Math.max(0, args.path("bytes").asInt(0))));
            case "crash" -> {
                state.crash("the crash tool");
                throw new FaultSession.Abandoned("crashed");
            }
            case "add_tool" -> {
                String added = state.addTool();
                state.broadcast(FaultJson.notification("notifications/tools/list_changed", FaultJson.object()));
                ObjectNode result = text(added);
                result.putObject("structuredContent").put("name", added);
                yield result;
            }
            case "cancellations" -> {
                ArrayNode ids = FaultJson.MAPPER.createArrayNode();
                state.cancelledIds().forEach(ids::add);
                ObjectNode result = text(FaultJson.write(ids));
                result.putObject("structuredContent").set("ids", ids.deepCopy());
                yield result;
            }
            case "touch" -> {
                String uri = args.path("uri").asText("");
                boolean subscribed = session.subscribed(uri);
                if (subscribed) {
                    ObjectNode updated = FaultJson.object().put("uri", uri);
                    session.sendUnsolicited(FaultJson.notification("notifications/resources/updated", updated));
                }
                yield text(subscribed ? "updated " + uri : "not subscribed to " + uri);
            }
            default -> {
                if (all().stream().anyMatch(t -> t.path("name").asText().equals(name))) {
                    yield text(name);
                }
                throw new RpcError(INVALID_PARAMS, "Unknown tool: " + name);
            }
        };
    }

    /**
     * Echo carries every kind of field a proxy must pass through untouched: text content with
     * annotations, structuredContent, _meta and a field no spec version defines.
     */
    private static ObjectNode echo(String message) {
        ObjectNode result = FaultJson.object();
        ObjectNode content = result.putArray("content").addObject().put("type", "text").put("text", message);
        content.putObject("annotations").put("priority", 0.5);
        result.putObject("structuredContent").put("message", message);
        result.putObject("_meta").put("dev.dynamicmcp.fault/echo", true).put("length", message.length());
        result.putObject("faultExtra").put("unknownToTheSpec", true).putArray("nested").add(1).add("two");
        result.put("isError", false);
        return result;
    }

    private static ObjectNode echoDefinition() {
        ObjectNode echo = tool("echo", "Echoes message back with structured content and extra fields.",
                "message", "string");
        ObjectNode output = echo.putObject("outputSchema").put("type", "object");
        output.putObject("properties").putObject("message").put("type", "string");
        output.putArray("required").add("message");
        echo.putObject("annotations").put("readOnlyHint", true).put("title", "Echo");
        echo.putObject("_meta").put("dev.dynamicmcp.fault/kind", "echo");
        echo.put("faultExtra", "unknown tool field");
        return echo;
    }

    private static ObjectNode add(JsonNode a, JsonNode b) {
        if (!a.isNumber() || !b.isNumber()) {
            throw new RpcError(INVALID_PARAMS, "add needs numbers a and b");
        }
        ObjectNode result;
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            long sum = a.asLong() + b.asLong();
            result = text(Long.toString(sum));
            result.putObject("structuredContent").put("sum", sum);
        } else {
            double sum = a.asDouble() + b.asDouble();
            result = text(Double.toString(sum));
            result.putObject("structuredContent").put("sum", sum);
        }
        return result;
    }

    /** A tool result for the client's answer to a server request: its text if it has one, else its JSON. */
    private static ObjectNode fromClient(String method, ObjectNode response) {
        if (response.has("error")) {
            JsonNode error = response.get("error");
            ObjectNode result = text("the client answered " + method + " with error "
                    + error.path("code").asInt() + ": " + error.path("message").asText());
            result.put("isError", true);
            return result;
        }
        JsonNode answer = response.path("result");
        JsonNode content = answer.path("content");
        JsonNode first = content.isArray() ? content.path(0) : content;
        ObjectNode result = "text".equals(first.path("type").asText()) ? text(first.path("text").asText())
                : text(FaultJson.write(answer));
        if (answer.isObject()) {
            result.set("structuredContent", answer.deepCopy());
        }
        return result;
    }

    static ObjectNode text(String text) {
        ObjectNode result = FaultJson.object();
        result.putArray("content").addObject().put("type", "text").put("text", text);
        return result;
    }

    /** A tool definition; {@code props} alternates property name and JSON type, all required. */
    private static ObjectNode tool(String name, String description, String... props) {
        ObjectNode tool = FaultJson.object().put("name", name).put("description", description);
        ObjectNode schema = tool.putObject("inputSchema").put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = FaultJson.MAPPER.createArrayNode();
        for (int i = 0; i + 1 < props.length; i += 2) {
            properties.putObject(props[i]).put("type", props[i + 1]);
            required.add(props[i]);
        }
        if (!required.isEmpty()) {
            schema.set("required", required);
        }
        return tool;
    }
}
