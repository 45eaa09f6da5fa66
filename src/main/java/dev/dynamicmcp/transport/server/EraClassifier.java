package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;

/**
 * Decides which era serves one POST on the shared {@code /mcp} endpoint, body first, the way the TypeScript
 * SDK v2 does ({@code classifyInboundRequest}), rule for rule, so a client that works against the SDK works
 * here:
 * <ol>
 *   <li>a batch is legacy, unless an element claims the modern envelope (400, -32600);</li>
 *   <li>{@code initialize} without a valid modern envelope is legacy (with a modern version header: -32020);</li>
 *   <li>a {@code _meta} protocol-version claim is modern: the envelope must be valid (-32602), agree with the
 *       {@code MCP-Protocol-Version} header and the {@code Mcp-Method} header (-32020);</li>
 *   <li>no claim but a modern version header: 400 -32602 naming the missing envelope keys;</li>
 *   <li>anything else is legacy, and the existing session path serves it unchanged.</li>
 * </ol>
 * Notifications: a claim or a modern header routes modern. Pure: no I/O, unit-tested as a table.
 */
final class EraClassifier {
    /** What the classifier decided. */
    sealed interface Outcome permits Legacy, Modern, Reject {
    }

    /** The existing session path serves it. */
    record Legacy() implements Outcome {
    }

    /** The stateless modern path serves it; {@code version} is the claimed (or header) revision. */
    record Modern(ObjectNode message, String version, boolean notification) implements Outcome {
    }

    /** Answered at once: the status and the JSON-RPC error (with the request's id when it has one). */
    record Reject(int status, ObjectNode error) implements Outcome {
    }

    /** The three request headers of the modern revision, values with surrounding whitespace stripped. */
    record Headers(String protocolVersion, String method, String name) {
        Headers {
            protocolVersion = strip(protocolVersion);
            method = strip(method);
            name = strip(name);
        }

        private static String strip(String value) {
            return value == null ? null : value.strip();
        }
    }

    private static final Legacy LEGACY = new Legacy();

    private EraClassifier() {
    }

    static Outcome classify(JsonNode body, Headers headers) {
        if (body.isArray()) {
            for (JsonNode element : body) {
                if (McpMeta.hasClaim(element)) {
                    return reject(400, NullNode.getInstance(), JsonRpc.INVALID_REQUEST, "JSON-RPC batches may not "
                            + "contain requests for protocol revision 2026-07-28 or later: send one message per POST",
                            null);
                }
            }
            return LEGACY;
        }
        if (!(body instanceof ObjectNode message) || !message.has("method")) {
            return LEGACY; // a posted response, or a shape the session path reports
        }
        boolean notification = !message.has("id");
        JsonNode id = notification ? NullNode.getInstance() : message.get("id");
        String method = JsonRpc.method(message);
        String header = headers.protocolVersion();
        boolean headerModern = McpMeta.isModernVersion(header);
        ObjectNode meta = McpMeta.requestMeta(message);
        boolean claim = McpMeta.hasClaim(message);
        String claimed = McpMeta.claimedVersion(message);

        if (!notification && McpMethods.INITIALIZE.equals(method) && !validModernClaim(meta, claimed)) {
            if (headerModern) {
                return mismatch(id, header, "an initialize request (the 2025-era handshake) was sent with the "
                        + "modern MCP-Protocol-Version header " + header);
            }
            return LEGACY;
        }
        if (claim) {
            String problem = notification
                    ? (claimed == null ? McpMeta.PROTOCOL_VERSION + ": expected a protocol version string" : null)
                    : McpMeta.envelopeProblem(meta);
            if (problem != null) {
                return reject(400, id, JsonRpc.INVALID_PARAMS,
                        "Invalid _meta envelope for protocol revision 2026-07-28: " + problem, null);
            }
            if (header != null && !header.equals(claimed)) {
                return mismatch(id, header, "the body's _meta names protocol version " + claimed
                        + " but the MCP-Protocol-Version header names " + header);
            }
            if (headers.method() != null && !headers.method().equals(method)) {
                return mismatch(id, headers.method(), "the body names method " + method
                        + " but the Mcp-Method header names " + headers.method());
            }
            return new Modern(message, claimed, notification);
        }
        if (headerModern) {
            if (notification) {
                if (headers.method() != null && !headers.method().equals(method)) {
                    return mismatch(id, headers.method(), "the notification names method " + method
                            + " but the Mcp-Method header names " + headers.method());
                }
                return new Modern(message, header, true);
            }
            ObjectNode data = Json.object();
            McpMeta.missingKeys(meta).forEach(data.putObject("envelope").putArray("missing")::add);
            return reject(400, id, JsonRpc.INVALID_PARAMS, "the MCP-Protocol-Version header names protocol "
                    + "revision " + header + ", but the request is missing the per-request envelope key(s): "
                    + String.join(", ", McpMeta.missingKeys(meta)), data);
        }
        return LEGACY;
    }

    /**
     * The standard headers of a modern request, checked against its body: {@code MCP-Protocol-Version} and
     * {@code Mcp-Method} present, {@code Mcp-Name} present and equal (after decoding the Base64 sentinel) to
     * {@code params.name} of tools/call and prompts/get and {@code params.uri} of resources/read. Null when
     * they agree, else the 400 -32020 to answer.
     */
    static Reject checkStandardHeaders(ObjectNode message, Headers headers) {
        JsonNode id = message.has("id") ? message.get("id") : NullNode.getInstance();
        String method = JsonRpc.method(message);
        if (headers.protocolVersion() == null) {
            return mismatch(id, "(missing)", "the body carries a modern _meta envelope but the required "
                    + "MCP-Protocol-Version header is absent");
        }
        if (headers.method() == null) {
            return mismatch(id, "(missing)", "the body names method " + method
                    + " but the required Mcp-Method header is absent");
        }
        String field = switch (method) {
            case McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET -> "name";
            case McpMethods.RESOURCES_READ -> "uri";
            default -> null;
        };
        if (field == null) {
            return null;
        }
        JsonNode value = message.path("params").get(field);
        String bodyValue = value != null && value.isTextual() ? value.asText() : null;
        if (headers.name() == null) {
            return bodyValue == null ? null : mismatch(id, "(missing)", "the body carries params." + field + "=\""
                    + bodyValue + "\" but the required Mcp-Name header is absent");
        }
        String decoded = dev.dynamicmcp.protocol.McpHeaderCodec.decode(headers.name());
        if (decoded == null) {
            return mismatch(id, headers.name(), "the Mcp-Name header carries an invalid Base64 sentinel value");
        }
        if (bodyValue != null && !decoded.equals(bodyValue)) {
            return mismatch(id, headers.name(), "the body carries params." + field + "=\"" + bodyValue
                    + "\" but the Mcp-Name header names \"" + decoded + "\"");
        }
        return null;
    }

    private static boolean validModernClaim(ObjectNode meta, String claimed) {
        return claimed != null && McpMeta.isModernVersion(claimed) && McpMeta.envelopeProblem(meta) == null;
    }

    private static Reject mismatch(JsonNode id, String header, String text) {
        ObjectNode data = Json.object();
        data.putObject("mismatch").put("header", header).put("body", text);
        return reject(400, id, McpMeta.HEADER_MISMATCH, "Bad Request: the request headers and body disagree: "
                + text, data);
    }

    static Reject reject(int status, JsonNode id, int code, String text, JsonNode data) {
        return new Reject(status, JsonRpc.error(id, code, text, data));
    }
}
