package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * An {@link AdminBackend} over an in-memory map, validating entries with the real config loader (so the
 * messages are the file's). A test changes a server's state with {@link #setState}, which fires the event
 * as the manager would. New servers become READY at once with the tools {@code toolsFor} gives them.
 */
final class FakeAdminBackend implements AdminBackend {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, AdminServer> servers = new LinkedHashMap<>();
    private final Map<String, ObjectNode> entries = new LinkedHashMap<>();
    private final Map<String, ServerCatalog> catalogs = new LinkedHashMap<>();
    final List<String> actions = new CopyOnWriteArrayList<>();
    volatile List<ConfigProblem> reloadProblems = List.of();
    volatile Function<String, List<ObjectNode>> toolsFor = name -> List.of(
            tool("echo", "Echoes its text back"), tool("add", "Adds two numbers"));
    private volatile AdminListener listener = new AdminListener() {
    };

    static ObjectNode tool(String name, String description) {
        ObjectNode tool = Json.object().put("name", name).put("description", description);
        tool.putObject("inputSchema").put("type", "object");
        return tool;
    }

    /** Adds a server directly (no validation, no event), in the given state. */
    FakeAdminBackend server(String name, String transport, ServerState state, ObjectNode entry, List<ObjectNode> tools) {
        lock.lock();
        try {
            servers.put(name, new AdminServer(name, transport, state == ServerState.READY ? "2025-06-18" : null,
                    state, Instant.now().minusSeconds(60L * (3 + servers.size() * 7)), null,
                    BreakerState.CLOSED, Duration.ofMillis(42), 0, tools.size(), 0));
            entries.put(name, entry);
            catalogs.put(name, new ServerCatalog(tools, List.of(), List.of(), List.of()));
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Moves a server to {@code to}, as the manager would, and tells the listener (outside the lock). */
    void setState(String name, ServerState to, String reason) {
        AdminServer before;
        lock.lock();
        try {
            before = servers.get(name);
            servers.put(name, new AdminServer(name, before.transport(), to == ServerState.READY ? "2025-06-18" : null,
                    to, Instant.now(), to == ServerState.READY ? before.lastError() : reason, before.breaker(),
                    before.connectTime(), before.reconnects() + (to == ServerState.READY ? 1 : 0),
                    to == ServerState.READY ? catalogs.get(name).tools().size() : before.toolCount(), 0));
        } finally {
            lock.unlock();
        }
        listener.stateChanged(name, before.state(), to, reason);
    }

    void call(String server, long millis, CallOutcome outcome) {
        listener.callCompleted(server, "tools/call", Duration.ofMillis(millis).toNanos(), outcome);
    }

    AdminListener listener() {
        return listener;
    }

    /** The tools of every READY server, for the fake MCP endpoint. */
    Map<String, List<ObjectNode>> readyTools() {
        lock.lock();
        try {
            Map<String, List<ObjectNode>> tools = new LinkedHashMap<>();
            servers.forEach((name, server) -> {
                if (server.state() == ServerState.READY) {
                    tools.put(name, catalogs.get(name).tools());
                }
            });
            return tools;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<AdminServer> servers() {
        lock.lock();
        try {
            return new ArrayList<>(servers.values());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<AdminServer> server(String name) {
        lock.lock();
        try {
            return Optional.ofNullable(servers.get(name));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<ObjectNode> configEntry(String name) {
        lock.lock();
        try {
            return Optional.ofNullable(entries.get(name)).map(ObjectNode::deepCopy);
        } finally {
            lock.unlock();
        }
    }

    ObjectNode storedEntry(String name) {
        return configEntry(name).orElseThrow();
    }

    @Override
    public Optional<ServerCatalog> catalog(String name) {
        lock.lock();
        try {
            return Optional.ofNullable(catalogs.get(name));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PutOutcome put(String name, ObjectNode entry) {
        ObjectNode document = Json.object();
        document.putObject("mcpServers").set(name, entry);
        try {
            ConfigLoader.parse(Json.write(document), Map.of("GITHUB_TOKEN", "from-the-environment"), Path.of("."));
        } catch (ConfigException e) {
            return new PutOutcome.Invalid(e.problems());
        }
        boolean existed;
        List<ObjectNode> tools = toolsFor.apply(name);
        lock.lock();
        try {
            existed = servers.containsKey(name);
            entries.put(name, entry.deepCopy());
            catalogs.put(name, new ServerCatalog(tools, List.of(), List.of(), List.of()));
            servers.put(name, new AdminServer(name, entry.has("url") ? "http" : "stdio", null, ServerState.CONNECTING,
                    Instant.now(), null, BreakerState.CLOSED, null, 0, -1, 0));
        } finally {
            lock.unlock();
        }
        actions.add("put " + name);
        listener.configChanged(new ConfigChange(name, existed ? ConfigChange.Kind.REPLACED : ConfigChange.Kind.ADDED,
                "api"));
        setState(name, ServerState.READY, "connected");
        return existed ? PutOutcome.REPLACED : PutOutcome.CREATED;
    }

    @Override
    public boolean remove(String name) {
        lock.lock();
        try {
            if (!servers.containsKey(name)) {
                return false;
            }
            List<String> users = profileEntries.entrySet().stream()
                    .filter(profile -> profile.getValue().path("servers").has(name)).map(Map.Entry::getKey).toList();
            if (!users.isEmpty()) {
                throw new ServerInUseException(name, users);
            }
            servers.remove(name);
            entries.remove(name);
            catalogs.remove(name);
        } finally {
            lock.unlock();
        }
        actions.add("remove " + name);
        listener.serverRemoved(name);
        listener.configChanged(new ConfigChange(name, ConfigChange.Kind.REMOVED, "api"));
        return true;
    }

    @Override
    public boolean restart(String name) {
        if (server(name).isEmpty()) {
            return false;
        }
        actions.add("restart " + name);
        setState(name, ServerState.CONNECTING, "restart requested");
        setState(name, ServerState.READY, "connected");
        return true;
    }

    @Override
    public boolean disable(String name) {
        if (server(name).isEmpty()) {
            return false;
        }
        actions.add("disable " + name);
        setState(name, ServerState.DISABLED, "disabled through the admin API");
        return true;
    }

    @Override
    public boolean enable(String name) {
        if (server(name).isEmpty()) {
            return false;
        }
        actions.add("enable " + name);
        setState(name, ServerState.READY, "enabled");
        return true;
    }

    // ---- profiles: entries validated by the real loader inside a tree of the fake's servers

    private final Map<String, ObjectNode> profileEntries = new LinkedHashMap<>();

    @Override
    public List<AdminProfile> profiles() {
        lock.lock();
        try {
            return profileEntries.keySet().stream().map(this::profileLocked).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<AdminProfile> profile(String name) {
        lock.lock();
        try {
            return profileEntries.containsKey(name) ? Optional.of(profileLocked(name)) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    private AdminProfile profileLocked(String name) {
        ObjectNode entry = profileEntries.get(name);
        Map<String, dev.dynamicmcp.config.ToolFilter> filters = new LinkedHashMap<>();
        entry.path("servers").properties().forEach(server -> {
            List<String> allow = new ArrayList<>();
            List<String> deny = new ArrayList<>();
            server.getValue().path("tools").path("allow").forEach(glob -> allow.add(glob.asText()));
            server.getValue().path("tools").path("deny").forEach(glob -> deny.add(glob.asText()));
            filters.put(server.getKey(), new dev.dynamicmcp.config.ToolFilter(allow, deny));
        });
        return new AdminProfile(name, filters, entry.has("token"), 0, entry.deepCopy());
    }

    @Override
    public Optional<List<ObjectNode>> profileTools(String name) {
        return profile(name).map(profile -> {
            List<ObjectNode> tools = new ArrayList<>();
            readyTools().forEach((server, list) -> {
                if (profile.servers().containsKey(server)) {
                    list.stream().filter(tool -> profile.servers().get(server).permits(tool.path("name").asText()))
                            .forEach(tools::add);
                }
            });
            return tools;
        });
    }

    @Override
    public PutOutcome putProfile(String name, ObjectNode entry) {
        boolean existed;
        lock.lock();
        try {
            ObjectNode document = Json.object();
            ObjectNode servers = document.putObject("mcpServers");
            entries.keySet().forEach(server -> servers.putObject(server).put("command", "true"));
            document.putObject("profiles").set(name, entry);
            try {
                ConfigLoader.parse(Json.write(document), Map.of(), Path.of("."));
            } catch (ConfigException e) {
                return new PutOutcome.Invalid(e.problems());
            }
            existed = profileEntries.put(name, entry.deepCopy()) != null;
        } finally {
            lock.unlock();
        }
        actions.add("put profile " + name);
        listener.configChanged(ConfigChange.ofProfile(name, existed ? ConfigChange.Kind.REPLACED
                : ConfigChange.Kind.ADDED, "api"));
        return existed ? PutOutcome.REPLACED : PutOutcome.CREATED;
    }

    @Override
    public boolean removeProfile(String name) {
        lock.lock();
        try {
            if (profileEntries.remove(name) == null) {
                return false;
            }
        } finally {
            lock.unlock();
        }
        actions.add("remove profile " + name);
        listener.configChanged(ConfigChange.ofProfile(name, ConfigChange.Kind.REMOVED, "api"));
        return true;
    }

    @Override
    public List<ConfigProblem> reload() {
        actions.add("reload");
        if (reloadProblems.isEmpty()) {
            listener.configChanged(new ConfigChange(null, ConfigChange.Kind.RELOADED, "file"));
        }
        return reloadProblems;
    }

    @Override
    public void subscribe(AdminListener listener) {
        this.listener = listener;
    }
}
