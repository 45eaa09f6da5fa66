package dev.dynamicmcp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.AuthSettings;
import dev.dynamicmcp.auth.Parsed;
import dev.dynamicmcp.config.ReadContext.Where;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a parsed JSON tree into a {@link ProxyConfig}, collecting every problem and warning on the way. */
final class ConfigReader {
    private static final Set<String> PROXY_KEYS = Set.of("host", "port", "namespace", "separator", "authToken",
            "maxBodyBytes", "connectConcurrency", "defaults", "limits", "allowedOrigins", "adminToken", "auth",
            "dataDir", "bridge");
    private static final Set<String> LIMIT_KEYS = Set.of("maxSessions", "sessionIdleTimeout", "maxOpenStreams",
            "maxStreamsPerClient", "maxConcurrentRequests", "maxRequestsPerClient", "maxRequestsPerSession",
            "maxBufferedEvents");
    private static final Set<String> BRIDGE_KEYS = Set.of("inputTimeout", "maxRounds", "maxParked");
    private static final Set<String> PER_SERVER_ONLY = Set.of("tools", "isolation", "disabled");
    private static final Set<String> TOP_KEYS = Set.of("mcpServers", "servers", "proxy", "profiles");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Where TOP = new Where(null, "");

    /** What reading produced: a config when there is no problem, and the warnings either way. */
    record Outcome(ProxyConfig config, List<ConfigProblem> problems, List<String> warnings) {
    }

    private ConfigReader() {
    }

    static Outcome read(JsonNode root, Map<String, String> env, Path baseDir) {
        ReadContext ctx = new ReadContext(env, baseDir);
        ProxyConfig config = read(root, ctx);
        return new Outcome(ctx.problems.isEmpty() ? config : null, List.copyOf(ctx.problems),
                List.copyOf(ctx.warnings));
    }

    private static ProxyConfig read(JsonNode root, ReadContext ctx) {
        if (!(root instanceof ObjectNode top)) {
            ctx.problem(TOP, "the top level must be a JSON object ({ \"mcpServers\": { ... } }), got "
                    + ReadContext.kind(root));
            return null;
        }
        // Other clients keep their own settings at the top level (globalShortcut, inputs, ...): only a
        // near-miss of ours is worth a word, and then it is an error ("mcpServer" would start nothing).
        boolean nearMissAtTop = false;
        for (String key : (Iterable<String>) top::fieldNames) {
            Optional<String> nearMiss = TOP_KEYS.contains(key) ? Optional.empty() : KeyHints.closest(key, TOP_KEYS);
            if (nearMiss.isPresent()) {
                ctx.problem(TOP.child(key), ReadContext.nearMissMessage(nearMiss.get()));
                nearMissAtTop = true;
            }
        }
        JsonNode proxyNode = ReadContext.field(top, "proxy");
        ProxySettings proxy = proxyNode == null ? ProxySettings.DEFAULTS : proxy(proxyNode, ctx);

        String section = top.has("mcpServers") || !top.has("servers") ? "mcpServers" : "servers";
        if (section.equals("mcpServers") && top.has("servers")) {
            ctx.warn(TOP.child("servers"), "ignored: \"mcpServers\" is present (\"servers\" is only read without it)");
        }
        Map<String, ServerConfig> servers = new LinkedHashMap<>();
        JsonNode serversNode = ReadContext.field(top, section);
        if (serversNode == null) {
            // A file without servers is almost always the wrong file or a broken one; an empty section says
            // "no servers yet" on purpose.
            if (!nearMissAtTop) {
                ctx.problem(TOP, "no \"mcpServers\" section, so there is no server to start; write"
                        + " \"mcpServers\": {} to start with none on purpose (servers can be added later)");
            }
            return null;
        }
        Where sectionAt = TOP.child(section);
        ObjectNode entries = ctx.object(serversNode, sectionAt).orElse(null);
        if (entries == null) {
            return null;
        }
        if (entries.isEmpty()) {
            ctx.warn(sectionAt, "no servers configured: the proxy starts with none (servers can be added later)");
        }
        Map<String, String> byLowerCase = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : entries.properties()) {
            String name = entry.getKey();
            Where where = sectionAt.child(name).server(name);
            checkName(name, where, proxy, byLowerCase, ctx);
            ServerReader.read(name, entry.getValue(), where, proxy.defaults(), ctx).ifPresent(server -> {
                servers.put(name, server);
                if (server.oauth() != null && server.oauth().perUser() && proxy.auth() == null) {
                    // Per-user credentials are keyed by the caller's OAuth identity: without proxy.auth there is none.
                    ctx.problem(where.child("oauth").child("perUser"), "needs proxy.auth: each user signs in for "
                            + "themselves, and only an OAuth access token says who the user is");
                }
            });
        }
        JsonNode profilesNode = ReadContext.field(top, "profiles");
        Map<String, Profile> profiles = profilesNode == null ? Map.of()
                : ProfileReader.readAll(profilesNode,
                        entries.properties().stream().map(Map.Entry::getKey).toList(), proxy, ctx);
        return new ProxyConfig(proxy, servers, profiles);
    }

    /** Server names become tool-name prefixes, so they must be plain and tell servers apart unambiguously. */
    private static void checkName(String name, Where where, ProxySettings proxy, Map<String, String> byLowerCase,
                                  ReadContext ctx) {
        if (name.isEmpty()) {
            ctx.problem(where, "a server name must not be empty");
            return;
        }
        if (!NAME.matcher(name).matches()) {
            ctx.problem(where, "name may only contain letters, digits, '_', '.' and '-'"
                    + " (it becomes the prefix of the server's tool names)");
            return;
        }
        if (proxy.namespace() == NamespaceMode.PREFIX && name.contains(proxy.separator())) {
            ctx.problem(where, "name contains the separator \"" + proxy.separator()
                    + "\", which would make prefixed tool names ambiguous");
        }
        String other = byLowerCase.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
        if (other != null) {
            ctx.problem(where, "name differs from server \"" + other + "\" only in case; tool names would be"
                    + " confusable");
        }
    }

    private static ProxySettings proxy(JsonNode node, ReadContext ctx) {
        Where at = TOP.child("proxy");
        ObjectNode proxy = ctx.object(node, at).orElse(null);
        if (proxy == null) {
            return ProxySettings.DEFAULTS;
        }
        ctx.checkKeys(proxy, at, PROXY_KEYS);
        ProxySettings base = ProxySettings.DEFAULTS;

        String host = base.host();
        JsonNode hostNode = ReadContext.field(proxy, "host");
        if (hostNode != null) {
            host = ctx.string(hostNode, at.child("host")).orElse(host);
            if (host.isBlank()) {
                ctx.problem(at.child("host"), "must not be empty");
            }
        }
        int port = optional(proxy, "port").flatMap(p -> ctx.integer(p, at.child("port"), 0, 65535))
                .orElse(base.port());
        NamespaceMode namespace = optional(proxy, "namespace")
                .flatMap(n -> namespace(n, at.child("namespace"), ctx)).orElse(base.namespace());

        String separator = base.separator();
        JsonNode separatorNode = ReadContext.field(proxy, "separator");
        if (separatorNode != null) {
            Optional<String> value = ctx.string(separatorNode, at.child("separator"));
            if (value.isPresent() && !NAME.matcher(value.get()).matches()) {
                ctx.problem(at.child("separator"), ReadContext.quote(separatorNode.textValue())
                        + " is not a separator: use one or more letters, digits, '_', '.' or '-'");
            } else if (value.isPresent()) {
                separator = value.get();
            }
        }

        String authToken = token(proxy, "authToken", at, ctx, "remove the key to run without authentication");
        // as for authToken: an empty variable must not fall back to the MCP token silently
        String adminToken = token(proxy, "adminToken", at, ctx,
                "remove the key to let proxy.authToken open the admin routes");
        long maxBodyBytes = optional(proxy, "maxBodyBytes").flatMap(n -> ctx.size(n, at.child("maxBodyBytes")))
                .orElse(base.maxBodyBytes());
        int connectConcurrency = optional(proxy, "connectConcurrency")
                .flatMap(n -> ctx.integer(n, at.child("connectConcurrency"), 1, Integer.MAX_VALUE))
                .orElse(base.connectConcurrency());

        ServerOptions defaults = base.defaults();
        JsonNode defaultsNode = ReadContext.field(proxy, "defaults");
        if (defaultsNode != null) {
            Where defaultsAt = at.child("defaults");
            ObjectNode defaultsObject = ctx.object(defaultsNode, defaultsAt).orElse(null);
            if (defaultsObject != null) {
                defaultsObject.fieldNames().forEachRemaining(key -> {
                    if (PER_SERVER_ONLY.contains(key)) {
                        ctx.warn(defaultsAt.child(key), "is a per-server key and is not inherited, ignored");
                    }
                });
                ObjectNode optionKeysOnly = defaultsObject.deepCopy();
                optionKeysOnly.remove(PER_SERVER_ONLY);
                ctx.checkKeys(optionKeysOnly, defaultsAt, OptionsReader.KEYS);
                defaults = OptionsReader.read(defaultsObject, defaultsAt, ServerOptions.DEFAULTS, ctx);
            }
        }
        ServingLimits limits = optional(proxy, "limits").map(n -> limits(n, at.child("limits"), ctx))
                .orElse(ServingLimits.DEFAULTS);
        List<String> allowedOrigins = optional(proxy, "allowedOrigins")
                .flatMap(n -> ctx.stringList(n, at.child("allowedOrigins"))).orElse(List.of());
        AuthSettings auth = optional(proxy, "auth").flatMap(n -> auth(n, at.child("auth"), ctx)).orElse(null);
        Path dataDir = optional(proxy, "dataDir").flatMap(n -> ctx.string(n, at.child("dataDir")))
                .flatMap(text -> dataDir(text, at.child("dataDir"), ctx)).orElse(null);
        BridgeSettings bridge = optional(proxy, "bridge").map(n -> bridge(n, at.child("bridge"), ctx))
                .orElse(BridgeSettings.DEFAULTS);
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, limits, allowedOrigins, adminToken, auth, dataDir, bridge);
    }

    /** {@code proxy.auth}, read by the auth package; its problems keep their key paths. */
    private static Optional<AuthSettings> auth(JsonNode node, Where at, ReadContext ctx) {
        Optional<ObjectNode> object = ctx.object(node, at).flatMap(o -> ServerReader.expandAll(o, at, ctx));
        if (object.isEmpty()) {
            return Optional.empty();
        }
        Parsed<AuthSettings> parsed = AuthSettings.fromJson(object.get(), at.key());
        ctx.problems.addAll(parsed.problems());
        return Optional.ofNullable(parsed.settings());
    }

    /** {@code proxy.dataDir}: {@code ~/} is the home directory, a relative path starts at the config's folder. */
    private static Optional<Path> dataDir(String text, Where where, ReadContext ctx) {
        if (text.isBlank()) {
            ctx.problem(where, "must not be empty");
            return Optional.empty();
        }
        try {
            Path path = text.equals("~") || text.startsWith("~/")
                    ? Path.of(System.getProperty("user.home")).resolve(text.equals("~") ? "" : text.substring(2))
                    : Path.of(text);
            return Optional.of(path.isAbsolute() || ctx.baseDir == null ? path : ctx.baseDir.resolve(path));
        } catch (java.nio.file.InvalidPathException e) {
            ctx.problem(where, "is not a valid path");
            return Optional.empty();
        }
    }

    /**
     * A token key of {@code proxy}, or null when absent. Fail closed: an empty value most likely means an empty
     * variable, not "no token", so it is a problem ("is empty; " + {@code ifEmpty}).
     */
    private static String token(ObjectNode proxy, String key, Where at, ReadContext ctx, String ifEmpty) {
        JsonNode node = ReadContext.field(proxy, key);
        if (node == null) {
            return null;
        }
        String token = ctx.string(node, at.child(key)).orElse(null);
        if (token != null && token.isEmpty()) {
            ctx.problem(at.child(key), "is empty; " + ifEmpty);
        }
        return token;
    }

    /** The {@code proxy.limits} section; a key left out keeps its default. */
    private static ServingLimits limits(JsonNode node, Where at, ReadContext ctx) {
        ServingLimits base = ServingLimits.DEFAULTS;
        ObjectNode limits = ctx.object(node, at).orElse(null);
        if (limits == null) {
            return base;
        }
        ctx.checkKeys(limits, at, LIMIT_KEYS);
        java.util.function.BiFunction<String, Integer, Integer> count = (key, fallback) -> optional(limits, key)
                .flatMap(n -> ctx.integer(n, at.child(key), 1, Integer.MAX_VALUE)).orElse(fallback);
        return new ServingLimits(
                count.apply("maxSessions", base.maxSessions()),
                optional(limits, "sessionIdleTimeout")
                        .flatMap(n -> ctx.duration(n, at.child("sessionIdleTimeout"), false))
                        .orElse(base.sessionIdleTimeout()),
                count.apply("maxOpenStreams", base.maxOpenStreams()),
                count.apply("maxStreamsPerClient", base.maxStreamsPerClient()),
                count.apply("maxConcurrentRequests", base.maxConcurrentRequests()),
                count.apply("maxRequestsPerClient", base.maxRequestsPerClient()),
                count.apply("maxRequestsPerSession", base.maxRequestsPerSession()),
                count.apply("maxBufferedEvents", base.maxBufferedEvents()));
    }

    /** The {@code proxy.bridge} section; a key left out keeps its default. */
    private static BridgeSettings bridge(JsonNode node, Where at, ReadContext ctx) {
        BridgeSettings base = BridgeSettings.DEFAULTS;
        ObjectNode bridge = ctx.object(node, at).orElse(null);
        if (bridge == null) {
            return base;
        }
        ctx.checkKeys(bridge, at, BRIDGE_KEYS);
        return new BridgeSettings(
                optional(bridge, "inputTimeout").flatMap(n -> ctx.duration(n, at.child("inputTimeout"), false))
                        .orElse(base.inputTimeout()),
                optional(bridge, "maxRounds").flatMap(n -> ctx.integer(n, at.child("maxRounds"), 1, Integer.MAX_VALUE))
                        .orElse(base.maxRounds()),
                optional(bridge, "maxParked").flatMap(n -> ctx.integer(n, at.child("maxParked"), 1, Integer.MAX_VALUE))
                        .orElse(base.maxParked()));
    }

    private static Optional<JsonNode> optional(ObjectNode node, String key) {
        return Optional.ofNullable(ReadContext.field(node, key));
    }

    private static Optional<NamespaceMode> namespace(JsonNode node, Where where, ReadContext ctx) {
        return ctx.string(node, where).flatMap(text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "prefix" -> Optional.of(NamespaceMode.PREFIX);
            case "none" -> Optional.of(NamespaceMode.NONE);
            default -> {
                ctx.problem(where, ReadContext.quote(node.textValue())
                        + " is not a namespace mode (use \"prefix\" or \"none\")");
                yield Optional.empty();
            }
        });
    }
}
