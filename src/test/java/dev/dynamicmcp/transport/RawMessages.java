package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;

/** Hand-built JSON-RPC messages: the transports are tested without the session layer above them. */
final class RawMessages {
    static final String PROTOCOL_VERSION = "2025-06-18";

    private RawMessages() {
    }

    static ObjectNode request(int id, String method, ObjectNode params) {
        ObjectNode message = Json.object().put("jsonrpc", "2.0").put("id", id).put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        return message;
    }

    static ObjectNode notification(String method) {
        return Json.object().put("jsonrpc", "2.0").put("method", method);
    }

    static ObjectNode initialize(int id) {
        ObjectNode params = Json.object().put("protocolVersion", PROTOCOL_VERSION);
        params.set("capabilities", Json.object());
        params.set("clientInfo", Json.object().put("name", "transport-test").put("version", "0.0.1"));
        return request(id, "initialize", params);
    }

    static ObjectNode initialized() {
        return notification("notifications/initialized");
    }

    static ObjectNode toolsList(int id) {
        return request(id, "tools/list", Json.object());
    }

    static ObjectNode echo(int id, String text) {
        ObjectNode params = Json.object().put("name", "echo");
        params.set("arguments", Json.object().put("message", text));
        return request(id, "tools/call", params);
    }
}
