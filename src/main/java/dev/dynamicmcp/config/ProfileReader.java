package dev.dynamicmcp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ReadContext.Where;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code profiles} section (or one profile of it, for the admin API) into {@link Profile}s. A
 * profile may only name servers of {@code mcpServers}, and its token must be its own: a token shared with
 * another profile, or equal to {@code proxy.authToken}, would reach more than its profile.
 */
final class ProfileReader {
    static final Set<String> KEYS = Set.of("servers", "token");
    private static final Set<String> SERVER_KEYS = Set.of("tools");
    private static final Where SECTION = new Where(null, "profiles");

    private ProfileReader() {
    }

    /**
     * @param serverNames every name under {@code mcpServers}, valid or not (a broken server is reported once,
     *                    by its own entry, not again by each profile that names it)
     */
    static Map<String, Profile> readAll(JsonNode node, Collection<String> serverNames, ProxySettings proxy,
                                        ReadContext ctx) {
        Map<String, Profile> profiles = new LinkedHashMap<>();
        ObjectNode section = ctx.object(node, SECTION).orElse(null);
        if (section == null) {
            return profiles;
        }
        Map<String, String> tokenOwners = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : section.properties()) {
            read(entry.getKey(), entry.getValue(), serverNames, proxy, tokenOwners, ctx)
                    .ifPresent(profile -> profiles.put(profile.name(), profile));
        }
        return profiles;
    }

    /**
     * Reads one profile.
     *
     * @param tokenOwners the tokens of the profiles read so far, each with its profile; this one's is added
     * @return the profile, or empty when it has a problem (reported to {@code ctx})
     */
    static Optional<Profile> read(String name, JsonNode entry, Collection<String> serverNames, ProxySettings proxy,
                                  Map<String, String> tokenOwners, ReadContext ctx) {
        Where at = SECTION.child(name);
        int problemsBefore = ctx.problems.size();
        if (name.isEmpty()) {
            ctx.problem(SECTION, "a profile name must not be empty");
        } else if (!Profile.NAME.matcher(name).matches()) {
            ctx.problem(at, "profile name " + ReadContext.quote(name) + " may only contain letters, digits, '_'"
                    + " and '-' (it is the path /mcp/{name})");
        }
        ObjectNode node = ctx.object(entry, at).orElse(null);
        if (node == null) {
            return Optional.empty();
        }
        ctx.checkKeys(node, at, KEYS);

        Map<String, ToolFilter> servers = new LinkedHashMap<>();
        JsonNode serversNode = ReadContext.field(node, "servers");
        if (serversNode == null) {
            boolean nearMiss = false;
            for (String key : (Iterable<String>) node::fieldNames) {
                nearMiss |= !KEYS.contains(key) && KeyHints.closest(key, KEYS).filter("servers"::equals).isPresent();
            }
            if (!nearMiss) { // a misspelt "servers" is already an error of its own
                ctx.problem(at, "profile \"" + name + "\" needs \"servers\": the servers it exposes, e.g."
                        + " \"servers\": {\"github\": {}}");
            }
        } else if (serversNode.isArray()) {
            ctx.problem(at.child("servers"), "must be an object of server names, e.g. {\"github\": {}, \"docs\": {}},"
                    + " got an array");
        } else {
            ObjectNode serversObject = ctx.object(serversNode, at.child("servers")).orElse(null);
            if (serversObject != null) {
                if (serversObject.isEmpty()) {
                    ctx.warn(at.child("servers"), "profile \"" + name + "\" exposes no server: its clients see"
                            + " empty lists");
                }
                for (Map.Entry<String, JsonNode> server : serversObject.properties()) {
                    server(name, server.getKey(), server.getValue(), at.child("servers"), serverNames, ctx)
                            .ifPresent(filter -> servers.put(server.getKey(), filter));
                }
            }
        }

        String token = token(name, node, at, proxy, tokenOwners, ctx);
        if (ctx.problems.size() > problemsBefore) {
            return Optional.empty();
        }
        return Optional.of(new Profile(name, servers, token));
    }

    private static Optional<ToolFilter> server(String profile, String server, JsonNode entry, Where serversAt,
                                               Collection<String> serverNames, ReadContext ctx) {
        Where at = serversAt.child(server);
        int problemsBefore = ctx.problems.size();
        if (!serverNames.contains(server)) {
            ctx.problem(at, "profile \"" + profile + "\" names server \"" + server + "\", which is not in"
                    + " mcpServers" + KeyHints.closest(server, serverNames).map(k -> "; did you mean \"" + k + "\"?")
                    .orElse(serverNames.isEmpty() ? " (there are no servers)" : " (servers: "
                            + String.join(", ", serverNames) + ")"));
        }
        ObjectNode node = ctx.object(entry, at).orElse(null);
        if (node == null) {
            return Optional.empty();
        }
        ctx.checkKeys(node, at, SERVER_KEYS);
        ToolFilter filter = ServerReader.tools(node, at, ctx);
        return ctx.problems.size() > problemsBefore ? Optional.empty() : Optional.of(filter);
    }

    /** Validated like {@code proxy.authToken}, and never quoted: it is a secret. */
    private static String token(String profile, ObjectNode node, Where at, ProxySettings proxy,
                                Map<String, String> tokenOwners, ReadContext ctx) {
        JsonNode tokenNode = ReadContext.field(node, "token");
        if (tokenNode == null) {
            return null;
        }
        Where tokenAt = at.child("token");
        String token = ctx.string(tokenNode, tokenAt).orElse(null);
        if (token == null) {
            return null;
        }
        if (token.isEmpty()) {
            // Fail closed: an empty token most likely means an empty variable, not "no token".
            ctx.problem(tokenAt, "is empty; remove the key to give profile \"" + profile + "\" no token of its own");
            return null;
        }
        if (token.equals(proxy.authToken())) {
            ctx.problem(tokenAt, "is the same as proxy.authToken, which opens every profile; give profile \""
                    + profile + "\" a token of its own");
            return null;
        }
        String owner = tokenOwners.putIfAbsent(token, profile);
        if (owner != null && !owner.equals(profile)) {
            ctx.problem(tokenAt, "is the same as the token of profile \"" + owner + "\"; each profile needs a token"
                    + " of its own (a token opens only its profile)");
            return null;
        }
        if (proxy.authToken() == null) {
            ctx.warn(tokenAt, "profile \"" + profile + "\" has a token, but proxy.authToken is not set: /mcp serves"
                    + " every server without one");
        }
        return token;
    }
}
