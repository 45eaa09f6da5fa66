package dev.dynamicmcp.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.admin.AdminListener;
import dev.dynamicmcp.admin.ConfigChange;
import dev.dynamicmcp.admin.ServerInUseException;
import dev.dynamicmcp.config.ConfigDiff;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.config.ConfigWatcher;
import dev.dynamicmcp.config.ConfigWriter;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running configuration and its file: the one path through which every change is applied — the file
 * watcher, SIGHUP, {@code POST /admin/reload} and the admin API's edits — so the file and the running proxy never
 * disagree. It keeps the config in use (the command line's overrides applied) and the file's JSON tree as written
 * (variables not expanded: what the admin API shows and edits).
 *
 * <p>An API edit is validated by reading the file's tree with the entry in it through the loader (same checks,
 * same messages), written with {@link ConfigWriter} (unless {@code --no-persist}), then applied; the watcher is
 * told the written hash so it does not apply the proxy's own write again. Changes are serialised by one lock,
 * held across the file's read and atomic write on purpose: the file and the running config must change as one
 * (a second change must see the first's file). Under it nothing waits for a server: the manager only registers
 * a change (connects and drains run in the background). Only config changes and reads of the config wait on
 * it, for the milliseconds of a small file write; events are published after it is released.
 */
final class ConfigKeeper {
    private static final Logger log = LoggerFactory.getLogger(ConfigKeeper.class);

    private final Path file;
    private final boolean persist;
    private final Map<String, String> env;
    private final ServerManager manager;
    private final Reloader reloader;
    private final ConfigState status;
    private final AdminListener events;
    private final ConfigWriter writer;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private ProxyConfig current;
    private ObjectNode document;
    private volatile ConfigWatcher watcher;
    private volatile UnaryOperator<ProxySettings> overrides = UnaryOperator.identity();

    ConfigKeeper(Path file, boolean persist, ProxyConfig initial, ServerManager manager, Reloader reloader,
                 ConfigState status, AdminListener events) {
        this.file = file == null ? null : file.toAbsolutePath();
        this.persist = persist && file != null;
        this.env = System.getenv();
        this.manager = manager;
        this.reloader = reloader;
        this.status = status;
        this.events = events;
        this.writer = this.persist ? new ConfigWriter(this.file) : null;
        this.current = initial;
        this.document = readDocument().orElseGet(ConfigKeeper::emptyDocument);
    }

    private static ObjectNode emptyDocument() {
        ObjectNode root = Json.object();
        root.putObject("mcpServers");
        return root;
    }

    /** The command line's settings on top of a config read from the file (set before start). */
    void overrides(UnaryOperator<ProxySettings> value) {
        overrides = value;
    }

    ProxyConfig current() {
        lock.lock();
        try {
            return current;
        } finally {
            lock.unlock();
        }
    }

    /** The server's entry as in the file (variables not expanded); empty for a server without one (the demo). */
    Optional<ObjectNode> entry(String name) {
        lock.lock();
        try {
            JsonNode entry = section(document).get(name);
            return entry instanceof ObjectNode object ? Optional.of(object.deepCopy()) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** The profile's entry as in the file (variables not expanded); empty when the file has none. */
    Optional<ObjectNode> profileEntry(String name) {
        lock.lock();
        try {
            JsonNode entry = document.path("profiles").get(name);
            return entry instanceof ObjectNode object ? Optional.of(object.deepCopy()) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    // ---- changes from the file

    /** A config read from the file (overrides applied): applied against the running one. */
    void applyFile(ProxyConfig next) {
        apply(null, next);
    }

    /** As {@link #applyFile}, measured against {@code previous} rather than the running config. */
    void apply(ProxyConfig previous, ProxyConfig next) {
        ConfigDiff diff;
        Map<String, ServerStatus> changedBefore = new LinkedHashMap<>();
        Map<String, Profile> profilesBefore;
        lock.lock();
        try {
            ProxyConfig before = previous != null ? previous : current;
            profilesBefore = before.profiles();
            diff = ConfigDiff.between(before, next);
            diff.changed().forEach(server -> changedBefore.put(server.name(), manager.status(server.name())));
            current = next;
            reloader.apply(before, next);
            readDocument().ifPresent(tree -> document = tree);
        } finally {
            lock.unlock();
        }
        status.applied(next);
        publish(diff, "file");
        publishProfiles(profilesBefore, next.profiles(), "file");
        diff.changed().forEach(server -> announceDisabled(server, changedBefore.get(server.name())));
    }

    /**
     * Re-reads the file now and applies it (SIGHUP, {@code POST /admin/reload}): empty when applied, else every
     * problem (the running config stays, and {@code /status} says so).
     */
    List<ConfigProblem> reloadFromFile() {
        if (file == null) {
            return List.of(new ConfigProblem(null, null, "the proxy runs without a config file (--config)"));
        }
        ProxyConfig next;
        try {
            ProxyConfig read = ConfigLoader.load(file);
            next = new ProxyConfig(overrides.apply(read.proxy()), read.servers(), read.profiles());
        } catch (ConfigException e) {
            log.error("config file {} is invalid; keeping the current config. {}", file, e.getMessage());
            status.rejected(e.getMessage());
            return e.problems();
        } catch (RuntimeException e) { // an override that cannot be applied (an unreadable --auth-token-file)
            log.error("config file {}: {}; keeping the current config", file, e.getMessage());
            status.rejected(e.getMessage());
            return List.of(new ConfigProblem(null, null, e.getMessage()));
        }
        applyFile(next);
        return List.of();
    }

    /** Starts watching the file; the proxy's own writes are skipped by their hash. */
    ConfigWatcher watch(Duration interval, Scheduler scheduler) {
        ConfigWatcher started = ConfigWatcher.start(file, current(), interval, env,
                config -> new ProxyConfig(overrides.apply(config.proxy()), config.servers(), config.profiles()),
                new ConfigWatcher.Listener() {
                    @Override
                    public void changed(ProxyConfig previous, ProxyConfig next) {
                        applyFile(next);
                    }

                    @Override
                    public void rejected(String problems) {
                        status.rejected(problems);
                    }
                }, scheduler);
        watcher = started;
        return started;
    }

    void close() {
        ConfigWatcher w = watcher;
        if (w != null) {
            w.close();
        }
    }

    // ---- changes from the admin API

    /** What an API edit did. */
    record Edit(boolean created, List<ConfigProblem> problems, CompletableFuture<Void> applied) {
    }

    /**
     * Adds or replaces one server from its entry: validated inside the file's tree, persisted, applied. The
     * future completes when the manager has made its first connect attempt.
     */
    Edit put(String name, ObjectNode entry) {
        boolean created;
        CompletableFuture<Void> applied;
        ServerConfig server;
        ServerStatus before = manager.status(name);
        lock.lock();
        try {
            ObjectNode candidate = document.deepCopy();
            section(candidate).set(name, entry.deepCopy());
            ProxyConfig read;
            try {
                read = ConfigLoader.read(candidate, env, baseDir());
            } catch (ConfigException e) {
                return new Edit(false, e.problems(), null);
            }
            server = read.servers().get(name);
            created = manager.config(name).isEmpty();
            Map<String, ServerConfig> servers = new LinkedHashMap<>(current.servers());
            servers.put(name, server);
            commit(candidate, new ProxyConfig(current.proxy(), servers, current.profiles()), w -> w.put(name, entry));
            applied = created ? manager.add(server) : manager.replace(server);
        } finally {
            lock.unlock();
        }
        events.configChanged(new ConfigChange(name, created ? ConfigChange.Kind.ADDED : ConfigChange.Kind.REPLACED,
                "api"));
        announceDisabled(server, before);
        return new Edit(created, List.of(), applied);
    }

    /**
     * Removes a server (it drains in the background) and its entry; false when unknown.
     *
     * @throws ServerInUseException when profiles name it: the file would no longer load
     */
    boolean remove(String name) {
        lock.lock();
        try {
            if (manager.config(name).isEmpty()) {
                return false;
            }
            List<String> users = current.profiles().values().stream().filter(p -> p.exposes(name))
                    .map(Profile::name).toList();
            if (!users.isEmpty()) {
                throw new ServerInUseException(name, users);
            }
            ObjectNode candidate = document.deepCopy();
            section(candidate).remove(name);
            Map<String, ServerConfig> servers = new LinkedHashMap<>(current.servers());
            servers.remove(name);
            commit(candidate, new ProxyConfig(current.proxy(), servers, current.profiles()), w -> w.remove(name));
            manager.remove(name);
        } finally {
            lock.unlock();
        }
        events.configChanged(new ConfigChange(name, ConfigChange.Kind.REMOVED, "api"));
        return true;
    }

    /**
     * Adds or replaces one profile from its entry: validated as the loader validates it (against the running
     * servers, {@code proxy.authToken} as the command line set it, and the other profiles' tokens), then inside
     * the file's tree (the file must still load), persisted and applied live. {@code applied} is null: nothing
     * connects.
     */
    Edit putProfile(String name, ObjectNode entry) {
        boolean created;
        lock.lock();
        try {
            Profile profile;
            ObjectNode candidate = document.deepCopy();
            profiles(candidate).set(name, entry.deepCopy());
            try {
                profile = ConfigLoader.readProfile(name, entry, current, env);
                if (file != null) { // without a file the running servers are not in the tree (the demo)
                    ConfigLoader.read(candidate, env, baseDir());
                }
            } catch (ConfigException e) {
                return new Edit(false, e.problems(), null);
            }
            created = !current.profiles().containsKey(name);
            Map<String, Profile> profiles = new LinkedHashMap<>(current.profiles());
            profiles.put(name, profile);
            ProxyConfig before = current;
            ProxyConfig next = new ProxyConfig(current.proxy(), current.servers(), profiles);
            commit(candidate, next, w -> w.putProfile(name, entry));
            reloader.apply(before, next); // views rebuilt; nothing waits for a server
        } finally {
            lock.unlock();
        }
        events.configChanged(ConfigChange.ofProfile(name, created ? ConfigChange.Kind.ADDED
                : ConfigChange.Kind.REPLACED, "api"));
        return new Edit(created, List.of(), null);
    }

    /** Removes a profile and its entry; its sessions are closed. False when unknown. */
    boolean removeProfile(String name) {
        lock.lock();
        try {
            if (!current.profiles().containsKey(name)) {
                return false;
            }
            ObjectNode candidate = document.deepCopy();
            if (candidate.get("profiles") instanceof ObjectNode section) {
                section.remove(name);
            }
            Map<String, Profile> profiles = new LinkedHashMap<>(current.profiles());
            profiles.remove(name);
            ProxyConfig before = current;
            ProxyConfig next = new ProxyConfig(current.proxy(), current.servers(), profiles);
            commit(candidate, next, w -> w.removeProfile(name));
            reloader.apply(before, next);
        } finally {
            lock.unlock();
        }
        events.configChanged(ConfigChange.ofProfile(name, ConfigChange.Kind.REMOVED, "api"));
        return true;
    }

    /**
     * Sets the entry's {@code disabled} (persisted like any edit): the manager's future, or null when unknown. A
     * server without an entry in the file (the built-in demo) is toggled in memory only.
     */
    CompletableFuture<Void> setDisabled(String name, boolean disabled) {
        Optional<ObjectNode> entry = entry(name);
        if (entry.isPresent()) {
            ObjectNode changed = entry.get();
            if (disabled) {
                changed.put("disabled", true);
            } else {
                changed.remove("disabled");
            }
            Edit edit = put(name, changed);
            if (!edit.problems().isEmpty()) {
                throw new IllegalStateException("the entry of \"" + name + "\" is no longer valid: "
                        + edit.problems().getFirst().describe());
            }
            return edit.applied();
        }
        Optional<ServerConfig> config = manager.config(name);
        if (config.isEmpty()) {
            return null;
        }
        ServerConfig c = config.get();
        ServerStatus before = manager.status(name);
        CompletableFuture<Void> applied = manager.replace(new ServerConfig(c.name(), c.transport(), c.command(),
                c.args(), c.env(), c.cwd(), c.url(), c.headers(), disabled, c.isolation(), c.tools(), c.options()));
        events.configChanged(new ConfigChange(name, ConfigChange.Kind.REPLACED, "api"));
        announceDisabled(manager.config(name).orElse(null), before);
        return applied;
    }

    /**
     * A server replaced by a disabled one starts out DISABLED without a transition of its own (the manager only
     * reports the old connection closing), so the feed says it here: the console then shows "disabled", not
     * "down".
     */
    private void announceDisabled(ServerConfig server, ServerStatus before) {
        if (server != null && server.disabled() && (before == null || before.state() != ServerState.DISABLED)) {
            events.stateChanged(server.name(), before == null ? null : before.state(), ServerState.DISABLED,
                    "disabled in the configuration");
        }
    }

    private interface Write {
        ConfigWriter.Written to(ConfigWriter writer) throws IOException;
    }

    /**
     * Persists (unless {@code --no-persist}) and makes {@code candidate} / {@code next} current. The watcher is
     * told the written hash only when the file held exactly what we last read: a hand edit waiting on disk is
     * then in the written file too, and the watcher must still apply it.
     */
    private void commit(ObjectNode candidate, ProxyConfig next, Write write) {
        if (writer != null) {
            boolean fileAsKnown = readDocument().map(document::equals).orElse(false);
            ConfigWriter.Written written;
            try {
                written = write.to(writer);
            } catch (IOException e) {
                throw new UncheckedIOException("the config file " + file + " could not be written: " + e.getMessage(), e);
            }
            ConfigWatcher w = watcher;
            if (w != null && written.changed() && fileAsKnown) {
                w.ownWrite(written.sha256(), next);
            }
            log.info("config file {} updated by the admin API", file);
        }
        document = candidate;
        current = next;
    }

    private void publish(ConfigDiff diff, String source) {
        diff.removed().forEach(name -> events.configChanged(new ConfigChange(name, ConfigChange.Kind.REMOVED, source)));
        diff.added().forEach(name -> events.configChanged(new ConfigChange(name, ConfigChange.Kind.ADDED, source)));
        diff.changed().forEach(config -> events.configChanged(
                new ConfigChange(config.name(), ConfigChange.Kind.REPLACED, source)));
    }

    private void publishProfiles(Map<String, Profile> before, Map<String, Profile> after, String source) {
        before.keySet().stream().filter(name -> !after.containsKey(name)).forEach(name ->
                events.configChanged(ConfigChange.ofProfile(name, ConfigChange.Kind.REMOVED, source)));
        after.forEach((name, profile) -> {
            Profile old = before.get(name);
            if (old == null) {
                events.configChanged(ConfigChange.ofProfile(name, ConfigChange.Kind.ADDED, source));
            } else if (!old.equals(profile)) {
                events.configChanged(ConfigChange.ofProfile(name, ConfigChange.Kind.REPLACED, source));
            }
        });
    }

    /** The file's tree now, or empty without a file or when it cannot be read or parsed. */
    private Optional<ObjectNode> readDocument() {
        if (file == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ConfigLoader.tree(Files.readAllBytes(file)));
        } catch (IOException | ConfigException e) {
            log.debug("config file {} cannot be read as a tree now: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private Path baseDir() {
        return file == null || file.getParent() == null ? Path.of("").toAbsolutePath() : file.getParent();
    }

    /** The {@code profiles} section, created when absent. */
    private static ObjectNode profiles(ObjectNode root) {
        return root.get("profiles") instanceof ObjectNode object ? object : root.putObject("profiles");
    }

    /** The servers section the loader reads: {@code mcpServers}, or {@code servers} when only that is there. */
    private static ObjectNode section(ObjectNode root) {
        String key = root.has("mcpServers") || !root.has("servers") ? "mcpServers" : "servers";
        return root.get(key) instanceof ObjectNode object ? object : root.putObject(key);
    }
}
