package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.proxy.bridge.BridgeLimits;
import dev.dynamicmcp.proxy.bridge.BridgeStore;
import dev.dynamicmcp.proxy.bridge.InputRequiredLoop;
import dev.dynamicmcp.proxy.bridge.RequestStateCodec;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.transport.server.DownstreamSession;
import dev.dynamicmcp.transport.server.ModernEndpoint;
import dev.dynamicmcp.transport.server.SessionListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged server, as the transports and the server wiring see it: a facade over its parts, each with one
 * job —
 * <ul>
 *   <li>{@link CatalogKeeper}: the merged lists, list_changed to the sessions whose view changed;</li>
 *   <li>{@link CallRouter}: a client's calls to the upstream that owns the name, progress and cancel;</li>
 *   <li>{@link ClientRequestRouter}: a server's own requests to the client whose call caused them;</li>
 *   <li>{@link UpstreamNotifications}: a server's notifications to the clients they concern;</li>
 *   <li>{@link Subscriptions} and {@link LogLevels}: what each client follows and hears;</li>
 *   <li>{@link SessionRegistry}: the open sessions; each {@link ProxySession} is the downstream edge that
 *       turns the wire into a {@link CallContext};</li>
 *   <li>{@link ModernProxyHandler}: the same edge for stateless MCP 2026-07-28 requests (no session: each
 *       request's {@code _meta} becomes its {@link CallContext}), with {@link ListenStreams} (their
 *       {@code subscriptions/listen}) and {@link ModernLogs} (their per-request log level).</li>
 * </ul>
 *
 * <p>Profiles: a session opened on a profile ({@link DownstreamSession#profile()}) sees, calls and hears only
 * what its {@link ProfileView} exposes; the default session sees everything.
 *
 * <p>Upstream-session model: one shared upstream connection per server, or one per client session for
 * servers with {@code "isolation": "session"}.
 */
final class ProxyCore implements SessionListener {
    private static final Logger log = LoggerFactory.getLogger(ProxyCore.class);

    private final ProxySettings settings;
    private final Upstreams upstreams;
    private final int pageSize;
    private final Scheduler scheduler;
    private final SessionRegistry sessions = new SessionRegistry();
    private final RunningCalls running = new RunningCalls();
    private final CatalogKeeper catalogs;
    private final LogLevels logLevels;
    private final Subscriptions subscriptions;
    private final CallRouter calls;
    private final ClientRequestRouter clientRequests;
    private final UpstreamNotifications notifications;
    private final ListenStreams listens;
    private final ModernProxyHandler modern;

    /**
     * @param configOrder position of a server in the config (lower first): decides collisions and order
     * @param scheduler   runs the delivery of notifications to each client
     * @param profiles    the profiles to serve besides the default view, in config order
     */
    ProxyCore(ProxySettings settings, Upstreams upstreams, int pageSize, Function<String, Integer> configOrder,
              Scheduler scheduler, Map<String, Profile> profiles) {
        this(settings, upstreams, pageSize, configOrder, scheduler);
        if (!profiles.isEmpty()) {
            catalogs.updateProfiles(profiles);
        }
    }

    /** A merged server without profiles (until {@link #updateProfiles}). */
    ProxyCore(ProxySettings settings, Upstreams upstreams, int pageSize, Function<String, Integer> configOrder,
              Scheduler scheduler) {
        this.settings = settings;
        this.upstreams = upstreams;
        this.pageSize = pageSize;
        this.scheduler = scheduler;
        this.catalogs = new CatalogKeeper(settings, upstreams, configOrder, sessions);
        this.logLevels = new LogLevels(upstreams);
        this.subscriptions = new Subscriptions(upstreams, catalogs::catalog);
        // proxy.bridge is read once: a reload that changes it says "restart needed", like proxy.limits
        BridgeLimits bridgeLimits = BridgeLimits.from(settings.bridge());
        this.calls = new CallRouter(upstreams, catalogs, running, subscriptions, logLevels,
                new InputRequiredLoop(scheduler, bridgeLimits));
        this.clientRequests = new ClientRequestRouter(running, sessions, catalogs);
        this.listens = new ListenStreams(catalogs, subscriptions, scheduler);
        ModernLogs modernLogs = new ModernLogs(running);
        this.notifications = new UpstreamNotifications(sessions, catalogs, subscriptions, logLevels, listens,
                modernLogs);
        this.modern = new ModernProxyHandler(this, listens, modernLogs, new BridgeStore(scheduler,
                bridgeLimits, RequestStateCodec.random()));
        catalogs.onChanged(listens::listsChanged);
    }

    // ---- for ProxyServer ---------------------------------------------------------------------------

    Catalog catalog() {
        return catalogs.catalog();
    }

    int sessionCount() {
        return sessions.size();
    }

    /** Sessions open on {@code profile} now (a pass over the open sessions: for the admin API, not a hot path). */
    int sessionCount(String profile) {
        return (int) sessions.all().stream().filter(session -> profile.equals(session.profile())).count();
    }

    // ---- profiles (for the composition root, the admin API and the routing of /mcp/{profile}) -------

    /** The profiles served now, in config order (empty without profiles: then only the default view). */
    Map<String, Profile> profiles() {
        return catalogs.profiles();
    }

    /** True when {@code /mcp/{profile}} (or {@code --profile}) names a profile served now. */
    boolean hasProfile(String profile) {
        return catalogs.hasProfile(profile);
    }

    /** What a session of the profile sees now; the default view (everything) for null. */
    Catalog catalog(String profile) {
        return catalogs.view(profile).catalog();
    }

    /**
     * Replaces the whole profile set live (validated beforehand: {@code ConfigLoader.readProfile}, or a loaded
     * config's {@code profiles()}). Every view is built again; each session whose view changed hears
     * list_changed for the lists that changed, and no other session hears anything. The sessions of a profile
     * that is gone are closed: left open they would see empty lists and "unknown" answers without knowing why,
     * while a client that reconnects is told plainly that the profile does not exist (404 on its path).
     */
    void updateProfiles(Map<String, Profile> profiles) {
        Set<String> removed = catalogs.updateProfiles(profiles);
        log.info("profiles now {} (removed {})", profiles.keySet(), removed.isEmpty() ? "none" : removed);
        if (removed.isEmpty()) {
            return;
        }
        for (ProxySession session : List.copyOf(sessions.all())) {
            if (session.profile() != null && removed.contains(session.profile())) {
                closeSession(session.id(), session.profile(), "its profile was removed");
            }
        }
    }

    /** Closes a downstream session off the caller's thread: closing flushes and ends its streams. */
    private void closeSession(String sessionId, String profile, String why) {
        sessions.get(sessionId).ifPresent(session -> {
            log.info("closing session {} of profile \"{}\": {}", DownstreamSession.logId(sessionId), profile, why);
            scheduler.execute("close session " + DownstreamSession.logId(sessionId), session::closeDownstream);
        });
    }

    /** A server became READY, or its lists changed. */
    void serverUpdated(ServerLists serverLists) {
        catalogs.serverUpdated(serverLists);
    }

    /** Until {@code listed} completes, calls to names no server offers yet wait for it (see CallRouter). */
    void startingUp(CompletableFuture<Void> listed) {
        calls.startingUp(listed);
    }

    /** A server is down or removed: its items leave the lists. */
    void serverGone(String server) {
        catalogs.serverGone(server);
    }

    /**
     * A server (re)connected: its new upstream session gets the log level and the resource subscriptions the
     * clients asked for, which lived in the old one.
     */
    void restoreSessionState(String server) {
        logLevels.restore(server);
        subscriptions.restore(server);
    }

    /**
     * A request from a server's shared session (sampling, elicitation, roots) for the client behind its call;
     * {@code relatedUpstreamId} is the upstream request whose stream it came on (Streamable HTTP), or null.
     */
    CompletableFuture<JsonNode> upstreamRequest(String server, ObjectNode request, JsonNode relatedUpstreamId) {
        return clientRequests.fromShared(server, request, relatedUpstreamId);
    }

    /** A notification from a server's shared session. */
    void upstreamNotification(String server, ObjectNode notification) {
        notifications.fromShared(server, notification);
    }

    /** A request from the isolated upstream session of one client session: it goes to that client. */
    CompletableFuture<JsonNode> isolatedUpstreamRequest(String sessionId, String server, ObjectNode request) {
        return clientRequests.fromIsolated(sessionId, server, request);
    }

    /** A notification from the isolated upstream session of one client session. */
    void isolatedUpstreamNotification(String sessionId, String server, ObjectNode notification) {
        notifications.fromIsolated(sessionId, server, notification);
    }

    // ---- for the downstream transports ------------------------------------------------------------

    @Override
    public JsonRpcPeer.Handler opened(DownstreamSession session) {
        ProxySession proxySession = new ProxySession(this, session, new Outbox(session.id(), session.peer(), scheduler));
        sessions.add(proxySession);
        log.debug("session {} opened over {}{}", DownstreamSession.logId(session.id()), session.transport(),
                session.profile() == null ? "" : " on profile \"" + session.profile() + "\"");
        // Checked after joining the registry, so a profile removed at this very moment closes it either here or
        // in updateProfiles. Meanwhile its view is empty: everything is unknown to it.
        if (session.profile() != null && !catalogs.hasProfile(session.profile())) {
            closeSession(session.id(), session.profile(), "no such profile");
        }
        return proxySession;
    }

    /** The stateless 2026-07-28 requests, on the same endpoints as the sessions. */
    @Override
    public ModernEndpoint modern() {
        return modern;
    }

    @Override
    public void closed(DownstreamSession session) {
        ProxySession proxySession = sessions.remove(session.id());
        if (proxySession == null) {
            return;
        }
        proxySession.closed();
        subscriptions.sessionClosed(session.id());
        logLevels.forget(session.id());
        upstreams.sessionClosed(session.id());
        log.debug("session {} closed", session.id());
    }

    // ---- for ProxySession --------------------------------------------------------------------------

    ProxySettings settings() {
        return settings;
    }

    Upstreams upstreams() {
        return upstreams;
    }

    int pageSize() {
        return pageSize;
    }

    CatalogKeeper catalogs() {
        return catalogs;
    }

    CallRouter calls() {
        return calls;
    }

    Subscriptions subscriptions() {
        return subscriptions;
    }

    LogLevels logLevels() {
        return logLevels;
    }

    SessionRegistry sessions() {
        return sessions;
    }

    Scheduler scheduler() {
        return scheduler;
    }
}
