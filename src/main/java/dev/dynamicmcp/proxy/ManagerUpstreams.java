package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.discovery.Discoverer;
import dev.dynamicmcp.discovery.DiscoveryResult;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@link Upstreams} over the {@link ServerManager}: every request goes through the server's breaker, isolated
 * servers' requests through the downstream session's own connection (the manager keeps those too). Server
 * configs and their order are the manager's.
 */
final class ManagerUpstreams implements Upstreams {
    private final ServerManager manager;
    private final Discoverer discoverer;
    private final java.util.Set<String> lazyStarted = ConcurrentHashMap.newKeySet();

    ManagerUpstreams(ServerManager manager) {
        this.manager = manager;
        this.discoverer = new Discoverer(manager);
    }

    @Override
    public PendingRequest send(String server, String method, JsonNode params, RequestOptions options) {
        return new DeferredRequest(method, params, options, send -> manager.execute(server, method, send));
    }

    @Override
    public boolean notify(String server, String method, JsonNode params) {
        try {
            return manager.client(server).notifyServer(method, params);
        } catch (McpException e) {
            return false;
        }
    }

    @Override
    public Duration requestTimeout(String server) {
        return manager.config(server).map(ServerConfig::options).orElse(ServerOptions.DEFAULTS).requestTimeout();
    }

    @Override
    public List<String> readyServers() {
        return manager.readyServers();
    }

    @Override
    public boolean hasCapability(String server, String capability) {
        try {
            var info = manager.client(server).info();
            return info != null && info.hasCapability(capability);
        } catch (McpException e) {
            return false;
        }
    }

    @Override
    public void clientArrived() {
        // per downstream session: the lazy servers not started yet are looked at, not every server's status
        for (ServerConfig config : manager.configs()) {
            String name = config.name();
            if (!config.options().lazy() || lazyStarted.contains(name)) {
                continue;
            }
            ServerStatus status = manager.status(name);
            if (status != null && status.state() == ServerState.NEW && lazyStarted.add(name)) {
                manager.scheduler().execute("mcp-lazy-connect-" + name, () -> discoverer.discover(name));
            }
        }
    }

    @Override
    public CompletableFuture<ServerLists> discover(String server) {
        return discoverer.discoverAsync(server).thenApply(this::lists);
    }

    @Override
    public boolean isModern(String server) {
        return McpMethods.isModern(manager.revision(server));
    }

    @Override
    public boolean isolated(String server) {
        return manager.config(server).map(config -> config.isolation() == Isolation.SESSION).orElse(false);
    }

    /** From the configs alone: no status list sorted by order, as the default's ready servers would cost. */
    @Override
    public boolean anyIsolated() {
        return manager.anyConfig(config -> config.isolation() == Isolation.SESSION);
    }

    @Override
    public boolean perUser(String server) {
        return manager.config(server).map(ServerConfig::perUser).orElse(false);
    }

    @Override
    public PendingRequest sendIsolated(String sessionId, String server, String method, JsonNode params,
                                       RequestOptions options) {
        return new DeferredRequest(method, params, options, send -> manager.execute(server, sessionId, method, send));
    }

    @Override
    public void sessionClosed(String sessionId) {
        manager.closeIsolated(sessionId);
    }

    @Override
    public Optional<String> unavailableReason(String server) {
        ServerStatus status = manager.status(server);
        if (status == null || status.state() == ServerState.READY) {
            return Optional.empty();
        }
        StringBuilder reason = new StringBuilder("server \"").append(server).append("\" is ").append(status.state());
        if (status.since() != null) {
            reason.append(" since ").append(status.since());
        }
        if (status.lastError() != null) {
            reason.append(" (last error: ").append(status.lastError()).append(')');
        }
        return Optional.of(reason.toString());
    }

    /** The catalog's view of a discovery; throws when the discovery failed. */
    ServerLists lists(DiscoveryResult result) {
        if (!result.ok()) {
            throw McpException.local(JsonRpc.SERVER_UNAVAILABLE, result.error(), null);
        }
        ServerConfig config = manager.config(result.server()).orElse(null);
        return new ServerLists(result.server(), config == null ? null : config.tools(),
                result.info() == null ? null : result.info().instructions(), result.tools(), result.resources(),
                result.resourceTemplates(), result.prompts());
    }

    /**
     * A request sent once a client is at hand (through the manager's breaker, or once an isolated session is
     * connected); a cancel that comes before it was sent stops it going out.
     */
    private static final class DeferredRequest extends ForwardingRequest {
        private final CompletableFuture<JsonNode> result;

        /** @param runner runs the given send step with a client and returns its outcome */
        DeferredRequest(String method, JsonNode params, RequestOptions options,
                        Function<Function<McpClient, CompletableFuture<JsonNode>>, CompletableFuture<JsonNode>> runner) {
            super(method);
            this.result = runner.apply(client -> {
                String cancelled = cancelledBecause();
                if (cancelled != null) {
                    return CompletableFuture.failedFuture(new CancellationException(cancelled));
                }
                PendingRequest request = client.request(method, params, options);
                sentAs(request);
                return request.result();
            });
        }

        @Override
        public CompletableFuture<JsonNode> result() {
            return result;
        }
    }
}
