package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.protocol.Json;
import java.time.Duration;
import java.util.List;

/** The JSON documents of the admin API (field names are documented in docs/admin-api.md). */
final class AdminJson {
    private AdminJson() {
    }

    static ObjectNode server(AdminServer server, CallStats.Window calls, ObjectNode entry) {
        ObjectNode node = Json.object();
        node.put("name", server.name());
        node.put("transport", server.transport());
        node.put("revision", server.revision());
        node.put("state", server.state().name());
        node.put("status", server.status());
        node.put("since", server.since() == null ? null : server.since().toString());
        node.put("lastError", server.lastError());
        node.put("breaker", server.breaker() == null ? null : server.breaker().name());
        if (server.connectTime() == null) {
            node.putNull("connectTimeMs");
        } else {
            node.put("connectTimeMs", server.connectTime().toMillis());
        }
        node.put("reconnects", server.reconnects());
        node.put("toolCount", server.toolCount());
        node.put("inFlight", server.inFlight());
        ObjectNode window = node.putObject("calls");
        window.put("windowSeconds", calls.window().toSeconds());
        window.put("calls", calls.calls());
        window.put("errors", calls.errors());
        putMillis(window, "p50Ms", calls.p50());
        putMillis(window, "p99Ms", calls.p99());
        if (entry == null) {
            node.putNull("config");
        } else {
            node.set("config", SecretMask.mask(entry));
        }
        return node;
    }

    static void catalog(ObjectNode node, ServerCatalog catalog) {
        node.set("tools", array(catalog.tools()));
        node.set("resources", array(catalog.resources()));
        node.set("resourceTemplates", array(catalog.resourceTemplates()));
        node.set("prompts", array(catalog.prompts()));
    }

    private static ArrayNode array(List<ObjectNode> items) {
        ArrayNode array = Json.array();
        items.forEach(array::add);
        return array;
    }

    private static void putMillis(ObjectNode node, String field, Duration value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(value.toNanos() / 1_000.0) / 1_000.0);
        }
    }

    /**
     * Every problem, with {@code field}: where in the entry it is ({@code "command"}, {@code "headers.X"}),
     * {@code ""} for the entry as a whole, {@code "name"} for the server's name, null for the file.
     */
    static ObjectNode problems(String error, List<ConfigProblem> problems) {
        ObjectNode body = Json.object().put("error", error);
        ArrayNode list = body.putArray("problems");
        for (ConfigProblem problem : problems) {
            ObjectNode item = list.addObject();
            item.put("server", problem.server());
            item.put("key", problem.key());
            item.put("field", field(problem));
            item.put("message", problem.message());
            item.put("text", problem.describe());
        }
        return body;
    }

    /**
     * The problems of a profile's entry, {@code field} relative to it as for a server's ({@code "servers.x.tools"},
     * {@code ""} for the entry, {@code "name"} for its name).
     */
    static ObjectNode profileProblems(String error, String profile, List<ConfigProblem> problems) {
        ObjectNode body = problems(error, problems);
        String entry = "profiles." + profile;
        for (var item : body.withArray("problems")) {
            String key = item.path("key").asText(null);
            String message = item.path("message").asText("");
            if (key == null) {
                continue;
            }
            String field = key.equals(entry) || key.equals("profiles")
                    ? (message.startsWith("profile name") || message.startsWith("a profile name") ? "name" : "")
                    : key.startsWith(entry + ".") ? key.substring(entry.length() + 1) : key;
            ((ObjectNode) item).put("field", field);
        }
        return body;
    }

    /** A profile: its servers with their tool patterns, whether it has a token (never the token), its sessions. */
    static ObjectNode profile(AdminProfile profile) {
        ObjectNode node = Json.object();
        node.put("name", profile.name());
        node.put("path", "/mcp/" + profile.name());
        ObjectNode servers = node.putObject("servers");
        profile.servers().forEach((server, filter) -> {
            ObjectNode tools = servers.putObject(server);
            filter.allow().forEach(tools.withArray("allow")::add);
            filter.deny().forEach(tools.withArray("deny")::add);
            if (!tools.has("allow")) {
                tools.putArray("allow");
            }
            if (!tools.has("deny")) {
                tools.putArray("deny");
            }
        });
        node.put("hasToken", profile.hasToken());
        node.put("sessions", profile.sessions());
        if (profile.entry() == null) {
            node.putNull("config");
        } else {
            node.set("config", SecretMask.mask(profile.entry()));
        }
        return node;
    }

    /** The tools a profile's sessions see: name, title and description of each (schemas are in tools/list). */
    static ArrayNode profileTools(List<ObjectNode> tools) {
        ArrayNode array = Json.array();
        for (ObjectNode tool : tools) {
            ObjectNode item = array.addObject().put("name", tool.path("name").asText());
            if (tool.hasNonNull("title")) {
                item.set("title", tool.get("title"));
            }
            if (tool.hasNonNull("description")) {
                item.set("description", tool.get("description"));
            }
        }
        return array;
    }

    private static String field(ConfigProblem problem) {
        if (problem.key() == null) {
            return null;
        }
        String key = problem.key();
        if (problem.server() != null) {
            for (String section : new String[] {"mcpServers.", "servers."}) {
                String entry = section + problem.server();
                if (key.equals(entry)) {
                    // Name rules are reported on the entry itself; their messages start with "name".
                    return problem.message().startsWith("name ") ? "name" : "";
                }
                if (key.startsWith(entry + ".")) {
                    return key.substring(entry.length() + 1);
                }
            }
        }
        return key;
    }
}
