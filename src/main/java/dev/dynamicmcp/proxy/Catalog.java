package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.dynamicmcp.config.NamespaceMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The merged, immutable view of every READY upstream's tools, prompts, resources and resource templates,
 * with the index that routes an exposed name or URI back to its server. A new catalog is built whenever a
 * server's lists change; readers never lock.
 *
 * <p>Naming: with {@link NamespaceMode#PREFIX} a tool {@code echo} of server {@code everything} is exposed
 * as {@code everything__echo}; with {@link NamespaceMode#NONE} the raw name is kept and, on a collision, the
 * server that comes first in config order wins (a warning names the loser). Names longer than
 * {@value #MAX_NAME_LENGTH} characters (LLM APIs reject them) are shortened deterministically: a prefix of
 * the name, then {@code _} and 8 hex digits of the SHA-256 of the full name. Resources keep their URIs;
 * a URI or a resource template offered by two servers goes to the first.
 */
final class Catalog {
    static final int MAX_NAME_LENGTH = 64;

    /** Where an exposed item comes from. */
    record Route(String server, String originalName) {
    }

    private record Template(String server, Pattern pattern) {
    }

    static final Catalog EMPTY = new Catalog(0, List.of(), List.of(), List.of(), List.of(), Map.of(), Map.of(),
            Map.of(), List.of(), List.of(), Map.of(), List.of());

    private final long version;
    private final List<ObjectNode> tools;
    private final List<ObjectNode> prompts;
    private final List<ObjectNode> resources;
    private final List<ObjectNode> resourceTemplates;
    private final Map<String, Route> toolRoutes;
    private final Map<String, Route> promptRoutes;
    private final Map<String, String> resourceServers;
    private final List<Template> templates;
    private final List<String> servers;
    private final Map<Collision, Hidden> collisions;
    private final List<Shortened> shortened;
    /** Pages already written out, per list, offset and size: a catalog never changes, so neither do they. */
    private final Map<String, ObjectNode> pages = new java.util.concurrent.ConcurrentHashMap<>();

    private Catalog(long version, List<ObjectNode> tools, List<ObjectNode> prompts, List<ObjectNode> resources,
                    List<ObjectNode> resourceTemplates, Map<String, Route> toolRoutes, Map<String, Route> promptRoutes,
                    Map<String, String> resourceServers, List<Template> templates, List<String> servers,
                    Map<Collision, Hidden> collisions, List<Shortened> shortened) {
        this.version = version;
        this.tools = tools;
        this.prompts = prompts;
        this.resources = resources;
        this.resourceTemplates = resourceTemplates;
        this.toolRoutes = toolRoutes;
        this.promptRoutes = promptRoutes;
        this.resourceServers = resourceServers;
        this.templates = templates;
        this.servers = servers;
        this.collisions = collisions;
        this.shortened = shortened;
    }

    /**
     * Builds the catalog from the servers' lists, in config order. Nothing is logged here: what a build hid
     * or shortened is in {@link #collisions()} and {@link #shortened()}, and the keeper says each once.
     *
     * @param version a number that grows with each rebuild (part of pagination cursors)
     */
    static Catalog build(long version, Collection<ServerLists> lists, NamespaceMode mode, String separator) {
        Naming naming = new Naming(mode, separator);
        Builder b = new Builder();
        for (ServerLists server : lists) {
            String origin = server.server();
            b.servers.add(origin);
            for (ObjectNode tool : server.tools()) {
                String name = tool.path("name").asText("");
                if (name.isEmpty() || !server.filter().permits(name)) {
                    continue;
                }
                String exposed = b.exposed(naming, "tool", origin, name);
                Route previous = b.toolRoutes.putIfAbsent(exposed, new Route(origin, name));
                if (previous != null) {
                    b.hidden("tool", origin, previous.server(), name);
                    continue;
                }
                b.tools.add(renamed(tool, "name", exposed));
            }
            for (ObjectNode prompt : server.prompts()) {
                String name = prompt.path("name").asText("");
                if (name.isEmpty()) {
                    continue;
                }
                String exposed = b.exposed(naming, "prompt", origin, name);
                Route previous = b.promptRoutes.putIfAbsent(exposed, new Route(origin, name));
                if (previous != null) {
                    b.hidden("prompt", origin, previous.server(), name);
                    continue;
                }
                b.prompts.add(renamed(prompt, "name", exposed));
            }
            for (ObjectNode resource : server.resources()) {
                String uri = resource.path("uri").asText("");
                if (uri.isEmpty()) {
                    continue;
                }
                String previous = b.resourceServers.putIfAbsent(uri, origin);
                if (previous != null) {
                    b.hidden("resource", origin, previous, uri);
                    continue;
                }
                b.resources.add(resource);
            }
            for (ObjectNode template : server.resourceTemplates()) {
                String uriTemplate = template.path("uriTemplate").asText("");
                if (uriTemplate.isEmpty()) {
                    continue;
                }
                String previous = b.templateServers.putIfAbsent(uriTemplate, origin);
                if (previous != null) {
                    b.hidden("resource template", origin, previous, uriTemplate);
                    continue;
                }
                b.templates.add(new Template(origin, UriTemplates.toPattern(uriTemplate)));
                b.resourceTemplates.add(template);
            }
        }
        return b.build(version);
    }

    /** The mutable state of one {@link #build}. */
    private static final class Builder {
        final List<ObjectNode> tools = new ArrayList<>();
        final List<ObjectNode> prompts = new ArrayList<>();
        final List<ObjectNode> resources = new ArrayList<>();
        final List<ObjectNode> resourceTemplates = new ArrayList<>();
        final Map<String, Route> toolRoutes = new LinkedHashMap<>();
        final Map<String, Route> promptRoutes = new LinkedHashMap<>();
        final Map<String, String> resourceServers = new LinkedHashMap<>();
        final Map<String, String> templateServers = new LinkedHashMap<>();
        final List<Template> templates = new ArrayList<>();
        final List<String> servers = new ArrayList<>();
        final Map<Collision, Hidden> collisions = new LinkedHashMap<>();
        final List<Shortened> shortened = new ArrayList<>();

        String exposed(Naming naming, String kind, String server, String name) {
            String prefixed = naming.prefixed(server, name);
            String exposed = Naming.fit(prefixed);
            if (!exposed.equals(prefixed)) {
                shortened.add(new Shortened(kind, server, prefixed, exposed));
            }
            return exposed;
        }

        void hidden(String kind, String hiddenServer, String winningServer, String example) {
            collisions.merge(new Collision(kind, hiddenServer, winningServer), new Hidden(1, example),
                    (a, b) -> new Hidden(a.count() + 1, a.firstExample()));
        }

        Catalog build(long version) {
            return new Catalog(version, List.copyOf(tools), List.copyOf(prompts), List.copyOf(resources),
                    List.copyOf(resourceTemplates), Map.copyOf(toolRoutes), Map.copyOf(promptRoutes),
                    Map.copyOf(resourceServers), List.copyOf(templates), List.copyOf(servers),
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(collisions)), List.copyOf(shortened));
        }
    }

    /** Items of {@code hiddenServer} not exposed because {@code winningServer} (earlier in config) has them. */
    record Collision(String kind, String hiddenServer, String winningServer) {
    }

    /** How many items one collision hid in a build, and the first of them. */
    record Hidden(int count, String firstExample) {
    }

    /** A name longer than {@value #MAX_NAME_LENGTH} characters as it would be exposed, and what it became. */
    record Shortened(String kind, String server, String prefixedName, String exposedName) {
    }

    /** The collisions of this build, in config order. */
    Map<Collision, Hidden> collisions() {
        return collisions;
    }

    /** The names this build shortened. */
    List<Shortened> shortened() {
        return shortened;
    }

    long version() {
        return version;
    }

    List<ObjectNode> tools() {
        return tools;
    }

    List<ObjectNode> prompts() {
        return prompts;
    }

    List<ObjectNode> resources() {
        return resources;
    }

    List<ObjectNode> resourceTemplates() {
        return resourceTemplates;
    }

    /** The servers included, in config order. */
    List<String> servers() {
        return servers;
    }

    /**
     * A page of one of the lists, with its items already serialized ({@link RawValue}): listing 10,000 tools
     * to many clients costs one serialization per catalog, not one per request.
     */
    ObjectNode page(String key, List<ObjectNode> items, JsonNode params, int pageSize) {
        int offset = Pages.offset(key, params);
        return pages.computeIfAbsent(key + ':' + offset + ':' + pageSize, k -> {
            ObjectNode page = Pages.page(key, items, offset, pageSize);
            ObjectNode written = dev.dynamicmcp.protocol.Json.object();
            written.putRawValue(key, new RawValue(dev.dynamicmcp.protocol.Json.write(page.get(key))));
            if (page.has("nextCursor")) {
                written.set("nextCursor", page.get("nextCursor"));
            }
            return written;
        });
    }

    Optional<Route> tool(String exposedName) {
        return Optional.ofNullable(toolRoutes.get(exposedName));
    }

    Optional<Route> prompt(String exposedName) {
        return Optional.ofNullable(promptRoutes.get(exposedName));
    }

    /** The server of a URI: a listed resource first, then the first template that matches. */
    Optional<String> resourceServer(String uri) {
        String server = resourceServers.get(uri);
        if (server != null) {
            return Optional.of(server);
        }
        return templates.stream().filter(t -> t.pattern().matcher(uri).matches()).map(Template::server).findFirst();
    }

    private static ObjectNode renamed(ObjectNode item, String field, String newValue) {
        if (newValue.equals(item.path(field).asText())) {
            return item;
        }
        ObjectNode copy = item.deepCopy();
        copy.put(field, newValue);
        return copy;
    }

    /** Exposed names: prefixing and deterministic shortening. */
    record Naming(NamespaceMode mode, String separator) {
        /** The name as exposed before any shortening. */
        String prefixed(String server, String name) {
            return mode == NamespaceMode.PREFIX ? server + separator + name : name;
        }

        static String fit(String exposed) {
            return exposed.length() <= MAX_NAME_LENGTH ? exposed : shorten(exposed);
        }

        static String shorten(String name) {
            String hash = sha256Hex(name).substring(0, 8);
            return name.substring(0, MAX_NAME_LENGTH - hash.length() - 1) + "_" + hash;
        }
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
