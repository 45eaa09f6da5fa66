package dev.dynamicmcp.proxy;

import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 *
 * <p>Profiles: each rebuild also builds one {@link ProfileView} per profile (the servers it exposes, the tools
 * it allows), so a session's view, and the list_changed it hears, are its profile's; a request only looks its
 * view up.
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

    /** The views of one rebuild: the default one (everything, {@code /mcp}) and each profile's, in order. */
    private record Views(ProfileView all, Map<String, ProfileView> byProfile) {
        static final Views EMPTY = new Views(new ProfileView(null, Catalog.EMPTY, Catalog.EMPTY, Stamps.ZERO), Map.of());

        ProfileView of(String profile) {
            if (profile == null) {
                return all;
            }
            ProfileView view = byProfile.get(profile);
            return view != null ? view : ProfileView.unknown(profile);
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
    /** The profiles the views are built for, in config order. Guarded by lock. */
    private Map<String, Profile> profiles = Map.of();
    /** What the last rebuild hid and shortened, so only changes are logged. Guarded by lock. */
    private Map<Catalog.Collision, Catalog.Hidden> saidCollisions = Map.of();
    private Set<Catalog.Shortened> saidShortened = Set.of();
    /** True when {@link #gone} changed since the views' former catalogs were built. Guarded by lock. */
    private boolean goneChanged;
    private long version;
    /** Written under lock, read without: a request looks its view up here and never waits. */
    private final AtomicReference<Views> views = new AtomicReference<>(Views.EMPTY);
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

    /** The merged catalog of every server: the default view's. */
    Catalog catalog() {
        return views.get().all().catalog();
    }

    /** What the servers that left offered, built like the catalog, for naming them when called. */
    Catalog former() {
        return views.get().all().former();
    }

    /** The default view's stamps. */
    Stamps stamps() {
        return views.get().all().stamps();
    }

    /**
     * What a session of {@code profile} sees: the default view for null, an empty one for a profile that does
     * not exist (so everything is unknown to a session whose profile was removed).
     */
    ProfileView view(String profile) {
        return views.get().of(profile);
    }

    boolean hasProfile(String profile) {
        return views.get().byProfile().containsKey(profile);
    }

    /** The profiles the views are built for, in config order. */
    Map<String, Profile> profiles() {
        Map<String, Profile> byName = new LinkedHashMap<>();
        views.get().byProfile().forEach((name, view) -> byName.put(name, view.profile()));
        return Collections.unmodifiableMap(byName);
    }

    /**
     * Replaces the profile set: every view is built again, and each session whose view changed hears
     * list_changed for the lists that changed.
     *
     * @return the profiles that existed before and are gone now
     */
    Set<String> updateProfiles(Map<String, Profile> newProfiles) {
        Map<String, Profile> copy = Collections.unmodifiableMap(new LinkedHashMap<>(newProfiles));
        Views before = rebuild(ready -> { }, copy);
        Set<String> removed = new LinkedHashSet<>(before.byProfile().keySet());
        removed.removeAll(copy.keySet());
        return removed;
    }

    /** Who else hears that the lists moved on (the default view's stamps), besides the sessions; outside the lock. */
    void onChanged(Consumer<Stamps> listener) {
        this.onChanged = listener;
    }

    /** The instructions of every READY server in the view that gave some, in config order. */
    Map<String, String> instructionsByServer(ProfileView view) {
        Map<String, String> byServer = new LinkedHashMap<>();
        lock.lock();
        try {
            for (ServerLists serverLists : ordered(lists)) {
                if (view.exposes(serverLists.server()) && serverLists.instructions() != null
                        && !serverLists.instructions().isBlank()) {
                    byServer.put(serverLists.server(), serverLists.instructions());
                }
            }
        } finally {
            lock.unlock();
        }
        return byServer;
    }

    /** The instructions of every READY server that gave some, in config order. */
    Map<String, String> instructionsByServer() {
        return instructionsByServer(views.get().all());
    }

    /** A server became READY, or its lists changed. */
    void serverUpdated(ServerLists serverLists) {
        rebuild(ready -> {
            goneChanged |= gone.remove(serverLists.server()) != null;
            ready.put(serverLists.server(), serverLists);
        }, null);
    }

    /** A server is down or removed: its items leave the lists, and are remembered as the server's. */
    void serverGone(String server) {
        rebuild(ready -> {
            ServerLists last = ready.remove(server);
            if (last != null) {
                gone.put(server, last);
                goneChanged = true;
            }
        }, null);
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

    /**
     * Applies a change, builds every view again (the default one and one per profile), then tells each
     * initialized session whose own view moved.
     *
     * @param newProfiles the profile set to build for from now on, or null to keep it
     * @return the views before the change
     */
    private Views rebuild(Consumer<Map<String, ServerLists>> change, Map<String, Profile> newProfiles) {
        Views before;
        Views after;
        List<String> warnings;
        lock.lock();
        try {
            before = views.get();
            change.accept(lists);
            if (newProfiles != null) {
                profiles = newProfiles;
            }
            boolean formerStale = goneChanged || newProfiles != null;
            goneChanged = false;
            long now = ++version;
            List<ServerLists> ready = ordered(lists);
            // in the order they left: sorting would ask configOrder about servers that may be removed
            List<ServerLists> left = List.copyOf(gone.values());
            ProfileView all = nextView(before.all(), null, ready, left, formerStale, now);
            Map<String, ProfileView> byProfile = new LinkedHashMap<>();
            for (Profile profile : profiles.values()) {
                byProfile.put(profile.name(),
                        nextView(before.byProfile().get(profile.name()), profile, ready, left, formerStale, now));
            }
            after = new Views(all, Collections.unmodifiableMap(byProfile));
            views.set(after);
            warnings = newWarnings(all.catalog());
        } finally {
            lock.unlock();
        }
        warnings.forEach(log::warn);
        if (!sameStamps(before, after)) {
            int told = 0;
            for (ProxySession session : sessions.initialized()) {
                told += session.listsChanged(after.of(session.profile()).stamps()) ? 1 : 0;
            }
            onChanged.accept(after.all().stamps());
            Catalog merged = after.all().catalog();
            log.info("merged lists changed ({} tools, {} prompts, {} resources from {}): told {} session(s)",
                    merged.tools().size(), merged.prompts().size(), merged.resources().size(), merged.servers(), told);
        }
        return before;
    }

    /** One view built again; its stamps move on only for the kinds of list whose content changed. Under lock. */
    private ProfileView nextView(ProfileView previous, Profile profile, List<ServerLists> ready,
                                 List<ServerLists> left, boolean formerStale, long now) {
        Catalog after = Catalog.build(now, ProfileView.restrict(ready, profile), settings.namespace(),
                settings.separator());
        Catalog former = !formerStale && previous != null ? previous.former()
                : Catalog.build(0, ProfileView.restrict(left, profile), settings.namespace(), settings.separator());
        Catalog before = previous == null ? Catalog.EMPTY : previous.catalog();
        Stamps was = previous == null ? Stamps.ZERO : previous.stamps();
        Stamps stamps = new Stamps(
                before.tools().equals(after.tools()) ? was.tools() : now,
                before.prompts().equals(after.prompts()) ? was.prompts() : now,
                before.resources().equals(after.resources())
                        && before.resourceTemplates().equals(after.resourceTemplates()) ? was.resources() : now);
        return new ProfileView(profile, after, former, stamps);
    }

    private static boolean sameStamps(Views before, Views after) {
        if (!before.all().stamps().equals(after.all().stamps())
                || !before.byProfile().keySet().equals(after.byProfile().keySet())) {
            return false;
        }
        for (Map.Entry<String, ProfileView> entry : after.byProfile().entrySet()) {
            if (!entry.getValue().stamps().equals(before.byProfile().get(entry.getKey()).stamps())) {
                return false;
            }
        }
        return true;
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
