package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.RequestOptions;
import java.io.IOException;
import java.time.Duration;

/** The handshake of MCP 2024-11-05 to 2025-11-25: initialize, check the version, initialized. */
final class InitializeHandshake implements Handshake {
    static final InitializeHandshake INSTANCE = new InitializeHandshake();

    private InitializeHandshake() {
    }

    @Override
    public InitializeResult open(Channel channel, McpClient.Options options, Duration timeout) throws IOException {
        String server = channel.serverName();
        ObjectNode params = Json.object().put("protocolVersion", McpMethods.LATEST_PROTOCOL_VERSION);
        params.set("capabilities", options.capabilities());
        params.set("clientInfo", options.clientInfo());
        JsonNode answer = channel.await(channel.request(McpMethods.INITIALIZE, params, RequestOptions.timeout(timeout)),
                timeout);
        if (!(answer instanceof ObjectNode result)) {
            throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + server + "\" answered initialize with "
                    + answer + " instead of an object");
        }
        String version = result.path("protocolVersion").asText("");
        if (!McpMethods.PROTOCOL_VERSIONS.contains(version)) {
            throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + server + "\" speaks MCP protocol version \""
                    + version + "\"; supported: " + McpMethods.PROTOCOL_VERSIONS);
        }
        JsonNode instructions = result.get("instructions");
        InitializeResult info = new InitializeResult(version,
                result.get("capabilities") instanceof ObjectNode c ? c : Json.object(),
                result.get("serverInfo") instanceof ObjectNode s ? s : Json.object(),
                instructions != null && instructions.isTextual() ? instructions.asText() : null,
                result);
        channel.notifyServer(McpMethods.INITIALIZED, null);
        channel.transport().onInitialized(version);
        return info;
    }

    @Override
    public String toString() {
        return "initialize";
    }
}
