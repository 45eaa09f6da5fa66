package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.manager.ServerEvent;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.transport.server.SessionListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged server: one MCP server in front of the manager's upstreams. It lists what each READY server
 * offers into one catalog (re-listed on every READY, dropped on DOWN/REMOVED), routes clients' calls to the
 * servers and the servers' own requests and notifications back to the right client. It serves no endpoint:
 * the composition root ({@code dev.dynamicmcp.app.ProxyApp}) hands {@link #sessions()} to the HTTP and stdio
 * hosts.
 *
 * <p>The manager is built by the caller from the hook this server passes it, so a new upstream client's
 * handlers are in place before it connects without a setter to close the cycle (merged server → manager →
 * client factory → merged server).
 */
public final class ProxyServer {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    /** Large, so clients that never follow nextCursor still see every tool; paginated beyond it. */
    public static final int DEFAULT_PAGE_SIZE = 1000;

    private final ServerManager manager;
    private final ManagerUpstreams upstreams;
    private final ProxyCore core;
    private final Map<String, AtomicLong> generations = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> discoveries = new ConcurrentHashMap<>();

    /**
     * @param manager builds the server manager around the given hook, which the client factory must call with
     *                each new upstream client (and its isolation key) before it connects
     */
    public ProxyServer(ProxySettings settings, int pageSize,
                       Function<BiConsumer<McpClient, String>, ServerManager> manager) {
        this(settings, Map.of(), pageSize, manager);
    }

    /** @param profiles the profiles served at {@code /mcp/{name}} besides the default view, in config order */
    public ProxyServer(ProxySettings settings, Map<String, Profile> profiles, int pageSize,
                       Function<BiConsumer<McpClient, String>, ServerManager> manager) {
        this.manager = manager.apply(this::attach);
        this.upstreams = new ManagerUpstreams(this.manager);
        this.core = new ProxyCore(settings, upstreams, pageSize, this.manager::order, this.manager.scheduler(), profiles);
        this.manager.addServerListener(this::onServerEvent);
    }

    /**
     * Start-up is under way until {@code listed} completes: a call to a name no server offers yet waits for it
     * rather than being told "unknown" while the servers are still connecting.
     */
    public void startingUp(CompletableFuture<Void> listed) {
        core.startingUp(listed);
    }

    /** The profiles served now, in config order. */
    public Map<String, Profile> profiles() {
        return core.profiles();
    }

    public boolean hasProfile(String name) {
        return core.hasProfile(name);
    }

    /** Replaces the profiles live: views are rebuilt, sessions whose view changed hear list_changed. */
    public void updateProfiles(Map<String, Profile> profiles) {
        core.updateProfiles(profiles);
    }

    /** The tools a profile's clients see (null: the default view, everything). */
    public List<ObjectNode> tools(String profile) {
        return core.catalog(profile).tools();
    }

    public ServerManager manager() {
        return manager;
    }

    /** What the downstream hosts (HTTP, stdio) serve: one merged-server session per client session. */
    public SessionListener sessions() {
        return core;
    }

    /** The merged tools as clients see them (names exposed by the proxy). */
    public List<ObjectNode> tools() {
        return core.catalog().tools();
    }

    /** Tools each server contributes to the merged list. */
    public int exposedTools(String server) {
        return (int) core.catalog().tools().stream()
                .filter(tool -> core.catalog().tool(tool.path("name").asText())
                        .map(route -> route.server().equals(server)).orElse(false))
                .count();
    }

    public int sessionCount() {
        return core.sessionCount();
    }

    /** Downstream sessions open on the profile now. */
    public int sessionCount(String profile) {
        return core.sessionCount(profile);
    }

    /** Waits (at most {@code timeout}) for the listings started so far; false when some were still running. */
    public boolean awaitListings(Duration timeout) {
        CompletableFuture<?>[] pending = discoveries.values().toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(pending).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true; // each listing logs its own failure
        }
    }

    /**
     * Routes a new upstream client's own requests and notifications into the merged server: a shared
     * connection's to the merged server, an isolated one's (its key is the downstream session id) to its session.
     * Called by the client factory before the client connects, which is after this constructor returned.
     */
    private void attach(McpClient client, String isolationKey) {
        String server = client.serverName();
        if (isolationKey != null) {
            client.setRequestHandler(request -> core.isolatedUpstreamRequest(isolationKey, server, request));
            client.addNotificationListener(n -> core.isolatedUpstreamNotification(isolationKey, server, n));
            return;
        }
        client.setRequestHandler(new McpClient.RequestHandler() {
            @Override
            public CompletableFuture<JsonNode> handle(ObjectNode request) {
                return core.upstreamRequest(server, request, null);
            }

            @Override
            public CompletableFuture<JsonNode> handle(ObjectNode request, JsonNode relatedRequestId) {
                return core.upstreamRequest(server, request, relatedRequestId);
            }
        });
        client.addNotificationListener(notification -> core.upstreamNotification(server, notification));
    }

    private void onServerEvent(ServerEvent event) {
        String server = event.server();
        long generation = generations.computeIfAbsent(server, s -> new AtomicLong()).incrementAndGet();
        switch (event) {
            case ServerEvent.Ready ready -> {
                CompletableFuture<Void> listing = upstreams.discover(server).handle((lists, failure) -> {
                    if (generations.get(server).get() != generation) {
                        return null; // the server changed again meanwhile; that event lists it anew
                    }
                    if (failure != null) {
                        log.warn("server \"{}\" is READY but listing what it offers failed: {}", server,
                                Failures.describe(failure));
                    } else {
                        core.serverUpdated(lists);
                        core.restoreSessionState(server);
                    }
                    return null;
                });
                discoveries.put(server, listing);
            }
            case ServerEvent.Down down -> core.serverGone(server);
            case ServerEvent.Removed removed -> core.serverGone(server);
        }
    }
}
