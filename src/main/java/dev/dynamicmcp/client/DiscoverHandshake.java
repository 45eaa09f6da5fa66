package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.transport.HttpStatusException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Opens a connection to an MCP 2026-07-28 server: there is no session, so this only asks
 * {@code server/discover} (with the per-request {@code _meta} envelope) what the server is. A server that
 * answers {@code -32022} with the versions it supports is asked again in one of those; it never falls back
 * to {@code initialize} for that. Anything that says "I do not know this revision" (an unknown method, a
 * plain HTTP 400/404/405, no answer on stdio) is a {@link NotModernException}: {@link AutoHandshake} then
 * opens the connection the 2025 way.
 */
final class DiscoverHandshake implements Handshake {
    static final DiscoverHandshake INSTANCE = new DiscoverHandshake();
    private static final Set<Integer> LEGACY_HTTP_STATUS = Set.of(400, 404, 405);
    private static final int MAX_VERSION_RETRIES = 2;

    private DiscoverHandshake() {
    }

    @Override
    public InitializeResult open(Channel channel, McpClient.Options options, Duration timeout) throws IOException {
        String server = channel.serverName();
        String version = McpMethods.LATEST_MODERN_PROTOCOL_VERSION;
        List<String> tried = new ArrayList<>();
        for (int attempt = 0; ; attempt++) {
            tried.add(version);
            ObjectNode params = McpMeta.withEnvelope(null, version, options.capabilities(), options.clientInfo(), null);
            JsonNode answer;
            try {
                answer = channel.await(channel.request(McpMethods.SERVER_DISCOVER, params,
                        RequestOptions.timeout(timeout)), timeout);
            } catch (McpException e) {
                if (e.code() == JsonRpc.UNSUPPORTED_PROTOCOL_VERSION) {
                    String next = pick(e.data(), tried);
                    if (next != null && attempt < MAX_VERSION_RETRIES) {
                        version = next;
                        continue;
                    }
                    if (speaksLegacy(e.data())) {
                        throw new NotModernException("server \"" + server + "\" supports only " + supported(e.data())
                                + " of the stateless revisions", e);
                    }
                    throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + server + "\" supports MCP "
                            + supported(e.data()) + "; the proxy speaks " + McpMethods.MODERN_PROTOCOL_VERSIONS
                            + " and " + McpMethods.PROTOCOL_VERSIONS, e.data(), e);
                }
                if (e.code() == JsonRpc.HEADER_MISMATCH || e.code() == JsonRpc.MISSING_CLIENT_CAPABILITY) {
                    throw e; // a modern server that refuses us: initialize would not help
                }
                if (e.code() == JsonRpc.CONNECTION_CLOSED) {
                    throw new ProbeLostConnectionException("server \"" + server + "\" closed the connection when "
                            + "asked server/discover: " + e.getMessage(), e);
                }
                throw new NotModernException("server \"" + server + "\" answered server/discover with error "
                        + e.code() + " (" + e.getMessage() + ")", e);
            } catch (HttpStatusException e) {
                if (LEGACY_HTTP_STATUS.contains(e.status())) {
                    throw new NotModernException("server \"" + server + "\" answered server/discover with HTTP "
                            + e.status(), e);
                }
                throw e;
            }
            if (!lists(answer, "supportedVersions", version)) {
                // some older servers answer any request they do not know with an empty result
                throw new NotModernException("server \"" + server + "\" answered server/discover without "
                        + "supportedVersions naming " + version, null);
            }
            return describe(server, version, answer);
        }
    }

    /** What the discover answer says; the server's info moved from the body to {@code _meta}. */
    static InitializeResult describe(String server, String version, JsonNode answer) {
        if (!(answer instanceof ObjectNode result)) {
            throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + server + "\" answered server/discover with "
                    + answer + " instead of an object");
        }
        ObjectNode serverInfo = result.path("_meta").get(McpMeta.SERVER_INFO) instanceof ObjectNode info ? info
                : result.get("serverInfo") instanceof ObjectNode body ? body : Json.object();
        JsonNode instructions = result.get("instructions");
        return new InitializeResult(version, result.get("capabilities") instanceof ObjectNode c ? c : Json.object(),
                serverInfo, instructions != null && instructions.isTextual() ? instructions.asText() : null, result);
    }

    /**
     * The newest modern version in the server's {@code data.supported} that we speak, one not tried yet first;
     * a server may also refuse a version it lists (the conformance suite does that on purpose), so a version
     * already tried may be asked again: the retries are bounded.
     */
    private static String pick(JsonNode data, List<String> tried) {
        String again = null;
        for (String ours : McpMethods.MODERN_PROTOCOL_VERSIONS) {
            if (lists(data, ours)) {
                if (!tried.contains(ours)) {
                    return ours;
                }
                again = again == null ? ours : again;
            }
        }
        return again;
    }

    private static boolean speaksLegacy(JsonNode data) {
        return McpMethods.PROTOCOL_VERSIONS.stream().anyMatch(version -> lists(data, version));
    }

    private static boolean lists(JsonNode data, String version) {
        return lists(data, "supported", version);
    }

    private static boolean lists(JsonNode node, String field, String version) {
        if (node == null) {
            return false;
        }
        for (JsonNode entry : node.path(field)) {
            if (version.equals(entry.asText())) {
                return true;
            }
        }
        return false;
    }

    private static String supported(JsonNode data) {
        return data == null ? "[]" : data.path("supported").toString();
    }

    @Override
    public String toString() {
        return "server/discover";
    }
}
