package dev.dynamicmcp.proxy;

import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the merged {@link Catalog}: rebuilds it from each READY server's lists, tells each session whose view
 * of a list changed ({@code list_changed}), lists a server again after its own list_changed, and remembers
 * what the servers that left offered (a call to one of those names says the server is down, not "unknown").
 * What a rebuild hid or shortened is logged once per cause, when it changes, not on every rebuild.
 */
final class CatalogKeeper {
    private static final Logger log = LoggerFactory.getLogger(CatalogKeeper.class);

    /**
     * For each kind of list, the catalog version at which it last changed. A session remembers the stamps it
     * was told of; it hears list_changed for a kind only when that kind changed since.
     */
    record Stamps(long tools, long prompts, long resources) {
        static final Stamps ZERO = new Stamps(0, 0, 0);

        /** The list_changed methods for the kinds that changed after {@code seen}. */
        List<String> changedSince(Stamps seen) {
            List<String> methods = new ArrayList<>(3);
            if (tools > seen.tools) {
                methods.add(McpMethods.TOOLS_LIST_CHANGED);
            }
            if (prompts > seen.prompts) {
                methods.add(McpMethods.PROMPTS_LIST_CHANGED);
            }
            if (resources > seen.resources) {
                methods.add(McpMethods.RESOURCES_LIST_CHANGED);
            }
            return methods;
        }

        Stamps max(Stamps other) {
            return new Stamps(Math.max(tools, other.tools), Math.max(prompts, other.prompts),
                    Math.max(resources, other.resources));
        }
    }

    private final ProxySettings settings;
    private final Upstreams upstreams;
    private final Function<String, Integer> configOrder;
    private final SessionRegistry sessions;
    private final ReentrantLock lock = new ReentrantLock();
    /** READY servers' lists. Guarded by lock. */
    private final Map<String, ServerLists> lists = new LinkedHashMap<>();
    /** The last lists of servers that left. Guarded by lock. */
    private final Map<String, ServerLists> gone = new LinkedHashMap<>();
    /** What the last rebuild hid and shortened, so only changes are logged. Guarded by lock. */
    private Map<Catalog.Collision, Catalog.Hidden> saidCollisions = Map.of();
    private Set<Catalog.Shortened> saidShortened = Set.of();
    /** True when {@link #gone} changed since {@link #former} was built. Guarded by lock. */
    private boolean goneChanged;
    private long version;
    private final AtomicReference<Catalog> catalog = new AtomicReference<>(Catalog.EMPTY);
    private final AtomicReference<Catalog> former = new AtomicReference<>(Catalog.EMPTY);
    private final AtomicReference<Stamps> stamps = new AtomicReference<>(Stamps.ZERO);
    /** Told of every change after the sessions are (the listen streams of 2026-07-28 clients). */
    private volatile Consumer<Stamps> onChanged = stamps -> { };
    /** Servers being listed again; TRUE when another list_changed came meanwhile. */
    private final Map<String, Boolean> refreshing = new ConcurrentHashMap<>();

    CatalogKeeper(ProxySettings settings, Upstreams upstreams, Function<String, Integer> configOrder,
                  SessionRegistry sessions) {
        this.settings = settings;
        this.upstreams = upstreams;
        this.configOrder = configOrder;
        this.sessions = sessions;
    }

    Catalog catalog() {
        return catalog.get();
    }

    /** What the servers that left offered, built like the catalog, for naming them when called. */
    Catalog former() {
        return former.get();
    }

    Stamps stamps() {
        return stamps.get();
    }

    /** Who else hears that the lists moved on, besides the sessions; called outside the lock. */
    void onChanged(Consumer<Stamps> listener) {
        this.onChanged = listener;
    }

    /** The instructions of every READY server that gave some, in config order. */
    Map<String, String> instructionsByServer() {
        Map<String, String> byServer = new LinkedHashMap<>();
        lock.lock();
        try {
            for (ServerLists serverLists : ordered(lists)) {
                if (serverLists.instructions() != null && !serverLists.instructions().isBlank()) {
                    byServer.put(serverLists.server(), serverLists.instructions());
                }
            }
        } finally {
            lock.unlock();
        }
        return byServer;
    }

    /** A server became READY, or its lists changed. */
    void serverUpdated(ServerLists serverLists) {
        rebuild(ready -> {
            goneChanged |= gone.remove(serverLists.server()) != null;
            ready.put(serverLists.server(), serverLists);
        });
    }

    /** A server is down or removed: its items leave the lists, and are remembered as the server's. */
    void serverGone(String server) {
        rebuild(ready -> {
            ServerLists last = ready.remove(server);
            if (last != null) {
                gone.put(server, last);
                goneChanged = true;
            }
        });
    }

    /** An upstream said its lists changed: list them again, once at a time per server. */
    void refresh(String server) {
        Boolean running = refreshing.putIfAbsent(server, Boolean.FALSE);
        if (running != null) {
            refreshing.put(server, Boolean.TRUE); // changed again while listing: list once more afterwards
            return;
        }
        upstreams.discover(server).whenComplete((serverLists, failure) -> {
            if (failure != null) {
                log.warn("server \"{}\": listing after list_changed failed: {}", server, failure.toString());
            } else if (upstreams.readyServers().contains(server)) {
                serverUpdated(serverLists);
            }
            if (Boolean.TRUE.equals(refreshing.remove(server))) {
                refresh(server);
            }
        });
    }

    private void rebuild(Consumer<Map<String, ServerLists>> change) {
        Catalog after;
        Stamps now;
        boolean changed;
        List<String> warnings;
        lock.lock();
        try {
            Catalog before = catalog.get();
            change.accept(lists);
            after = Catalog.build(++version, ordered(lists), settings.namespace(), settings.separator());
            if (goneChanged) {
                // in the order they left: sorting would ask configOrder about servers that may be removed
                former.set(Catalog.build(0, List.copyOf(gone.values()), settings.namespace(), settings.separator()));
                goneChanged = false;
            }
            Stamps was = stamps.get();
            now = new Stamps(
                    before.tools().equals(after.tools()) ? was.tools() : version,
                    before.prompts().equals(after.prompts()) ? was.prompts() : version,
                    before.resources().equals(after.resources())
                            && before.resourceTemplates().equals(after.resourceTemplates()) ? was.resources() : version);
            changed = !now.equals(was);
            catalog.set(after);
            stamps.set(now);
            warnings = newWarnings(after);
        } finally {
            lock.unlock();
        }
        warnings.forEach(log::warn);
        if (changed) {
            int told = 0;
            for (ProxySession session : sessions.initialized()) {
                told += session.listsChanged(now) ? 1 : 0;
            }
            onChanged.accept(now);
            log.info("merged lists changed ({} tools, {} prompts, {} resources from {}): told {} session(s)",
                    after.tools().size(), after.prompts().size(), after.resources().size(), after.servers(), told);
        }
    }

    /** The lines to log for what this build hid or shortened that the previous one did not. Under lock. */
    private List<String> newWarnings(Catalog after) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<Catalog.Collision, Catalog.Hidden> entry : after.collisions().entrySet()) {
            if (entry.getValue().equals(saidCollisions.get(entry.getKey()))) {
                continue;
            }
            Catalog.Collision c = entry.getKey();
            Catalog.Hidden h = entry.getValue();
            String what = c.kind().equals("tool") || c.kind().equals("prompt") ? "name" : "URI";
            lines.add(h.count() == 1
                    ? String.format("%s %s of server \"%s\" is hidden: server \"%s\" (earlier in the config) offers the same %s",
                    c.kind(), quoted(c.kind(), h.firstExample()), c.hiddenServer(), c.winningServer(), what)
                    : String.format("%d %ss of server \"%s\" are hidden (the first: %s): server \"%s\" (earlier in the"
                            + " config) offers the same %ss", h.count(), c.kind(), c.hiddenServer(),
                    quoted(c.kind(), h.firstExample()), c.winningServer(), what));
        }
        Set<Catalog.Shortened> shortened = new HashSet<>(after.shortened());
        for (Catalog.Shortened s : after.shortened()) {
            if (!saidShortened.contains(s)) {
                lines.add(String.format("%s name \"%s\" (server \"%s\") is longer than %d characters; exposed as \"%s\"",
                        s.kind(), s.prefixedName(), s.server(), Catalog.MAX_NAME_LENGTH, s.exposedName()));
            }
        }
        saidCollisions = after.collisions();
        saidShortened = shortened;
        return lines;
    }

    private static String quoted(String kind, String example) {
        return kind.equals("tool") || kind.equals("prompt") ? "\"" + example + "\"" : example;
    }

    private List<ServerLists> ordered(Map<String, ServerLists> byServer) {
        List<ServerLists> ordered = new ArrayList<>(byServer.values());
        ordered.sort(Comparator.comparing(l -> configOrder.apply(l.server())));
        return ordered;
    }
}
