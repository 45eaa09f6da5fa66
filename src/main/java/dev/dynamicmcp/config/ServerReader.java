package dev.dynamicmcp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.Parsed;
import dev.dynamicmcp.auth.upstream.UpstreamOAuthSettings;
import dev.dynamicmcp.config.ReadContext.Where;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads one entry under {@code mcpServers} into a {@link ServerConfig}. */
final class ServerReader {
    private static final Set<String> OWN_KEYS = Set.of("command", "args", "env", "cwd", "url", "serverUrl",
            "headers", "transport", "type", "disabled", "isolation", "tools", "oauth");
    static final Set<String> KEYS = union(OWN_KEYS, OptionsReader.KEYS);
    /**
     * Keys of other clients' server entries, which we have no use for: ignored silently so their files work
     * unchanged. Claude Code and Cline: {@code timeout}; Cline: {@code autoApprove}, {@code transportType};
     * Roo Code / Kilo Code: {@code alwaysAllow}, {@code disabledTools}, {@code watchPaths}; Windsurf:
     * {@code disabledTools}; VS Code: {@code envFile}, {@code dev}, {@code gallery}, {@code version},
     * {@code sandbox}, {@code sandboxEnabled}; Cursor: {@code envFile}, {@code auth}; many: {@code description},
     * {@code name}. ({@code oauth}, which Claude Code writes too, is ours: see {@link UpstreamOAuthSettings}.) ({@code dev} is one edit from {@code env}:
     * without this list it would be taken for a misspelling.)
     */
    static final Set<String> OTHER_CLIENTS_KEYS = Set.of("timeout", "autoApprove", "transportType", "alwaysAllow",
            "disabledTools", "watchPaths", "envFile", "dev", "gallery", "version", "sandbox", "sandboxEnabled",
            "auth", "description", "name");
    private static final Set<String> STDIO_ONLY = Set.of("args", "env", "cwd", "inheritEnv");
    private static final Set<String> LOCATOR_KEYS = Set.of("command", "url", "serverUrl");
    private static final Set<String> TOOLS_KEYS = Set.of("allow", "deny");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private ServerReader() {
    }

    /** @return the server, or empty when it has a problem (reported to {@code ctx}) */
    static Optional<ServerConfig> read(String name, JsonNode entry, Where where, ServerOptions defaults,
                                       ReadContext ctx) {
        ObjectNode node = ctx.object(entry, where).orElse(null);
        if (node == null) {
            return Optional.empty();
        }
        int problemsBefore = ctx.problems.size();
        JsonNode disabledNode = ReadContext.field(node, "disabled");
        boolean disabled = disabledNode != null && ctx.bool(disabledNode, where.child("disabled")).orElse(false);
        ctx.strictExpansion = !disabled;
        try {
            Optional<TransportKind> explicit = transport(node, where, ctx);
            JsonNode urlNode = urlNode(node, where, ctx);
            JsonNode commandNode = ReadContext.field(node, "command");
            // With neither command nor url, a misspelt one is named by the "needs command or url" problem.
            ctx.checkKeys(node, where, KEYS, OTHER_CLIENTS_KEYS,
                    commandNode == null && urlNode == null ? locatorNearMisses(node) : Set.of());

            String command = null;
            List<String> args = List.of();
            Map<String, String> env = Map.of();
            Path cwd = null;
            URI url = null;
            Map<String, String> headers = Map.of();
            UpstreamOAuthSettings oauth = null;
            TransportKind transport;
            if (commandNode != null && urlNode != null) {
                ctx.problem(where, "has both \"command\" and \"url\": a server is either a program to start"
                        + " (command) or a remote server (url)");
                transport = explicit.orElse(TransportKind.STDIO);
            } else if (commandNode == null && urlNode == null) {
                ctx.problem(where, "needs \"command\" (a program to start) or \"url\" (a remote server)"
                        + nearMisses(node));
                transport = explicit.orElse(TransportKind.STDIO);
            } else if (commandNode != null) {
                transport = TransportKind.STDIO;
                if (explicit.isPresent() && explicit.get() != TransportKind.STDIO) {
                    ctx.problem(where.child(node.has("transport") ? "transport" : "type"), "transport \""
                            + explicit.get().configName() + "\" needs \"url\", but this server has \"command\"");
                }
                command = ctx.string(commandNode, where.child("command")).orElse(null);
                if (command != null && command.isBlank()) {
                    ctx.problem(where.child("command"), "must not be empty");
                }
                JsonNode argsNode = ReadContext.field(node, "args");
                if (argsNode != null) {
                    args = ctx.stringList(argsNode, where.child("args")).orElse(List.of());
                }
                JsonNode envNode = ReadContext.field(node, "env");
                if (envNode != null) {
                    env = ctx.stringMap(envNode, where.child("env")).orElse(Map.of());
                }
                JsonNode cwdNode = ReadContext.field(node, "cwd");
                if (cwdNode != null) {
                    cwd = cwd(cwdNode, where.child("cwd"), disabled, ctx);
                }
                if (node.has("headers")) {
                    ctx.warn(where.child("headers"), "only used by url servers, ignored");
                }
                if (node.has("oauth")) {
                    ctx.warn(where.child("oauth"), "only used by url servers, ignored");
                }
            } else {
                transport = explicit.orElse(TransportKind.HTTP_AUTO);
                if (transport == TransportKind.STDIO) {
                    ctx.problem(where.child(node.has("transport") ? "transport" : "type"),
                            "transport \"stdio\" needs \"command\", but this server has \"url\"");
                }
                url = url(urlNode, where.child(node.has("url") ? "url" : "serverUrl"), ctx);
                JsonNode headersNode = ReadContext.field(node, "headers");
                if (headersNode != null) {
                    headers = headers(headersNode, where.child("headers"), ctx);
                }
                JsonNode oauthNode = ReadContext.field(node, "oauth");
                if (oauthNode != null) {
                    oauth = oauth(name, oauthNode, where.child("oauth"), ctx);
                }
                for (String key : STDIO_ONLY) {
                    if (node.has(key)) {
                        ctx.warn(where.child(key), "only used by stdio (command) servers, ignored");
                    }
                }
            }

            Isolation isolation = isolation(node, where, ctx);
            ToolFilter tools = tools(node, where, ctx);
            ServerOptions options = OptionsReader.read(node, where, defaults, ctx);
            if (ctx.problems.size() > problemsBefore) {
                return Optional.empty();
            }
            return Optional.of(new ServerConfig(name, transport, command, args, env, cwd, url, headers,
                    disabled, isolation, tools, options, oauth));
        } finally {
            ctx.strictExpansion = true;
        }
    }

    /** A server's {@code oauth}, read by the auth package after {@code ${VAR}} expansion (secrets come from env). */
    private static UpstreamOAuthSettings oauth(String name, JsonNode node, Where where, ReadContext ctx) {
        Optional<ObjectNode> object = ctx.object(node, where).flatMap(o -> expandAll(o, where, ctx));
        if (object.isEmpty()) {
            return null;
        }
        Parsed<UpstreamOAuthSettings> parsed = UpstreamOAuthSettings.fromJson(object.get(), name, where.key());
        ctx.problems.addAll(parsed.problems());
        return parsed.settings();
    }

    /**
     * A copy of {@code node} with {@code ${VAR}} expanded in every string value at any depth (sections read by
     * other packages: {@code proxy.auth}, a server's {@code oauth}); empty when a variable is missing.
     */
    static Optional<ObjectNode> expandAll(ObjectNode node, Where where, ReadContext ctx) {
        int before = ctx.problems.size();
        ObjectNode copy = node.deepCopy();
        expandInto(copy, where, ctx);
        return ctx.problems.size() == before ? Optional.of(copy) : Optional.empty();
    }

    private static void expandInto(JsonNode node, Where where, ReadContext ctx) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : List.copyOf(object.properties())) {
                Where at = where.child(field.getKey());
                if (field.getValue().isTextual()) {
                    ctx.expand(field.getValue().textValue(), at).ifPresent(v -> object.put(field.getKey(), v));
                } else {
                    expandInto(field.getValue(), at, ctx);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                Where at = new Where(where.server(), where.key() + "[" + i + "]");
                if (array.get(i).isTextual()) {
                    int index = i;
                    ctx.expand(array.get(i).textValue(), at).ifPresent(v -> array.set(index, array.textNode(v)));
                } else {
                    expandInto(array.get(i), at, ctx);
                }
            }
        }
    }

    /** {@code transport}, or its alias {@code type} (Cursor, VS Code). */
    private static Optional<TransportKind> transport(ObjectNode node, Where where, ReadContext ctx) {
        JsonNode transport = ReadContext.field(node, "transport");
        JsonNode type = ReadContext.field(node, "type");
        if (transport != null && type != null && !transport.equals(type)) {
            ctx.problem(where.child("type"), "\"type\" is an alias of \"transport\" and they disagree; keep one");
            return Optional.empty();
        }
        JsonNode value = transport != null ? transport : type;
        if (value == null) {
            return Optional.empty();
        }
        Where at = where.child(transport != null ? "transport" : "type");
        return ctx.string(value, at).flatMap(text -> {
            String normal = text.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
            return switch (normal) {
                case "stdio" -> Optional.of(TransportKind.STDIO);
                case "streamablehttp" -> Optional.of(TransportKind.STREAMABLE_HTTP);
                // VS Code's "http" tries Streamable HTTP and falls back to SSE; so do we.
                case "http" -> Optional.of(TransportKind.HTTP_AUTO);
                case "sse" -> Optional.of(TransportKind.SSE);
                default -> {
                    ctx.problem(at, ReadContext.quote(value.asText()) + " is not a transport (use stdio,"
                            + " streamable-http, http or sse)" + KeyHints.closest(text,
                            List.of("stdio", "streamable-http", "http", "sse"))
                            .map(k -> "; did you mean \"" + k + "\"?").orElse(""));
                    yield Optional.empty();
                }
            };
        });
    }

    /** {@code url}, or its alias {@code serverUrl} (Windsurf). */
    private static JsonNode urlNode(ObjectNode node, Where where, ReadContext ctx) {
        JsonNode url = ReadContext.field(node, "url");
        JsonNode serverUrl = ReadContext.field(node, "serverUrl");
        if (url != null && serverUrl != null) {
            ctx.problem(where.child("serverUrl"), "\"serverUrl\" is an alias of \"url\"; give only one");
        }
        return url != null ? url : serverUrl;
    }

    /** Unknown keys that look like a misspelt {@code command} or {@code url}, as a hint for the user. */
    private static String nearMisses(ObjectNode node) {
        List<String> hints = new ArrayList<>();
        for (String key : locatorNearMisses(node)) {
            hints.add("\"" + key + "\" (did you mean \"" + KeyHints.closest(key, LOCATOR_KEYS).orElseThrow() + "\"?)");
        }
        return hints.isEmpty() ? "" : "; found " + String.join(", ", hints);
    }

    private static Set<String> locatorNearMisses(ObjectNode node) {
        Set<String> keys = new java.util.LinkedHashSet<>();
        node.fieldNames().forEachRemaining(key -> {
            if (!KEYS.contains(key) && !OTHER_CLIENTS_KEYS.contains(key)
                    && KeyHints.closest(key, LOCATOR_KEYS).isPresent()) {
                keys.add(key);
            }
        });
        return keys;
    }

    private static Path cwd(JsonNode node, Where where, boolean disabled, ReadContext ctx) {
        Optional<String> text = ctx.string(node, where);
        if (text.isEmpty()) {
            return null;
        }
        Path path;
        try {
            path = ctx.baseDir.resolve(text.get()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            ctx.problem(where, ReadContext.quote(node.textValue()) + " is not a valid path");
            return null;
        }
        // A disabled server is not started, so its folder may legitimately be missing on this machine.
        if (!disabled && !Files.isDirectory(path)) {
            // With variables in it, the resolved path is an expanded value: show only what the user wrote.
            String shown = node.textValue().contains("$") ? ReadContext.quote(node.textValue()) : path.toString();
            ctx.problem(where, "directory " + shown + (Files.exists(path) ? " is not a directory" : " does not exist")
                    + (Path.of(text.get()).isAbsolute() ? "" : " (relative paths start at the config file's folder)"));
        }
        return path;
    }

    private static URI url(JsonNode node, Where where, ReadContext ctx) {
        Optional<String> text = ctx.string(node, where);
        if (text.isEmpty()) {
            return null;
        }
        String shown = ReadContext.quote(node.textValue());
        URI uri;
        try {
            uri = new URI(text.get());
        } catch (URISyntaxException e) {
            ctx.problem(where, shown + " is not a valid URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            ctx.problem(where, shown + " is not an http(s) URL");
            return null;
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            ctx.problem(where, shown + " has no host");
            return null;
        }
        return uri;
    }

    private static Map<String, String> headers(JsonNode node, Where where, ReadContext ctx) {
        Map<String, String> headers = ctx.stringMap(node, where).orElse(Map.of());
        headers.forEach((name, value) -> {
            if (!HEADER_NAME.matcher(name).matches()) {
                ctx.problem(where.child(name), "is not a valid HTTP header name");
            }
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
                // The value may be a secret: say what is wrong, never what it is.
                ctx.problem(where.child(name), "value contains a line break or NUL, which HTTP headers cannot carry");
            }
        });
        return headers;
    }

    private static Isolation isolation(ObjectNode node, Where where, ReadContext ctx) {
        JsonNode value = ReadContext.field(node, "isolation");
        if (value == null) {
            return Isolation.SHARED;
        }
        return ctx.string(value, where.child("isolation")).flatMap(text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "shared" -> Optional.of(Isolation.SHARED);
            case "session" -> Optional.of(Isolation.SESSION);
            default -> {
                ctx.problem(where.child("isolation"), ReadContext.quote(value.asText())
                        + " is not an isolation (use \"shared\" or \"session\")");
                yield Optional.<Isolation>empty();
            }
        }).orElse(Isolation.SHARED);
    }

    /** The {@code tools} allow/deny lists of {@code node} (a server entry, or a server entry of a profile). */
    static ToolFilter tools(ObjectNode node, Where where, ReadContext ctx) {
        JsonNode value = ReadContext.field(node, "tools");
        if (value == null) {
            return ToolFilter.ALLOW_ALL;
        }
        Where at = where.child("tools");
        ObjectNode tools = ctx.object(value, at).orElse(null);
        if (tools == null) {
            return ToolFilter.ALLOW_ALL;
        }
        ctx.checkKeys(tools, at, TOOLS_KEYS);
        return new ToolFilter(globs(tools, "allow", at, ctx), globs(tools, "deny", at, ctx));
    }

    private static List<String> globs(ObjectNode tools, String key, Where where, ReadContext ctx) {
        JsonNode value = ReadContext.field(tools, key);
        if (value == null) {
            return List.of();
        }
        List<String> globs = ctx.stringList(value, where.child(key)).orElse(List.of());
        for (int i = 0; i < globs.size(); i++) {
            if (globs.get(i).isEmpty()) {
                ctx.problem(where.child(key).child(Integer.toString(i)), "a tool pattern must not be empty");
            }
        }
        return globs;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
