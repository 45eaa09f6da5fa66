package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A tiny stand-in for the proxy's {@code /mcp} (Streamable HTTP, JSON answers): initialize with a session id,
 * tools/list of the backend's READY servers' tools prefixed {@code server__tool}, tools/call answering with
 * the name and arguments it got. Enough for the console's "try a tool".
 */
final class FakeMcpEndpoint implements Request.Handler {
    private final FakeAdminBackend backend;

    FakeMcpEndpoint(FakeAdminBackend backend) {
        this.backend = backend;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!Request.getPathInContext(request).equals("/mcp") || !request.getMethod().equals("POST")) {
            return false;
        }
        JsonNode message = Json.parse(AdminHttp.body(request, response, 1 << 20));
        if (!message.has("id")) {
            response.setStatus(202);
            callback.succeeded();
            return true;
        }
        ObjectNode reply = Json.object().put("jsonrpc", "2.0").set("id", message.get("id"));
        String method = message.path("method").asText();
        switch (method) {
            case "initialize" -> {
                response.getHeaders().put("Mcp-Session-Id", UUID.randomUUID().toString());
                ObjectNode result = reply.putObject("result").put("protocolVersion", "2025-06-18");
                result.putObject("capabilities").putObject("tools");
                result.putObject("serverInfo").put("name", "fake-proxy").put("version", "1");
            }
            case "tools/list" -> {
                ArrayNode tools = reply.putObject("result").putArray("tools");
                for (Map.Entry<String, List<ObjectNode>> server : backend.readyTools().entrySet()) {
                    for (ObjectNode tool : server.getValue()) {
                        tools.add(tool.deepCopy().put("name", server.getKey() + "__" + tool.path("name").asText()));
                    }
                }
            }
            case "tools/call" -> {
                JsonNode params = message.path("params");
                ObjectNode result = reply.putObject("result");
                result.putArray("content").addObject().put("type", "text")
                        .put("text", "called " + params.path("name").asText() + " with " + Json.write(params.path("arguments")));
                result.put("isError", false);
            }
            default -> reply.putObject("error").put("code", -32601).put("message", "no method " + method);
        }
        return AdminHttp.json(response, callback, 200, reply);
    }
}
