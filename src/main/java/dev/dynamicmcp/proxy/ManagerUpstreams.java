package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.discovery.DiscoveryResult;
import dev.dynamicmcp.manager.DefaultClientFactory;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.protocol.ForwardingRequest;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** {@link Upstreams} over the {@link ServerManager}: every request goes through the server's breaker. */
final class ManagerUpstreams implements Upstreams {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ManagerUpstreams.class);
    private final ServerManager manager;
    private final Map<String, ServerConfig> configs = new ConcurrentHashMap<>();
    private final Function<String, Integer> configOrder;
    private final java.util.Set<String> lazyStarted = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<McpClient>> isolatedClients = new ConcurrentHashMap<>();
    private volatile ProxyCore sink;

    ManagerUpstreams(ServerManager manager, Function<String, Integer> configOrder) {
        this.manager = manager;
        this.configOrder = configOrder;
    }

    /** Where the isolated upstream sessions' own requests and notifications go (the merged server). */
    void routeIsolatedTo(ProxyCore core) {
        this.sink = core;
    }

    void configure(ServerConfig config) {
        configs.put(config.name(), config);
    }

    void forget(String server) {
        configs.remove(server);
    }

    ServerConfig config(String server) {
        return configs.get(server);
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
        ServerConfig config = configs.get(server);
        return (config != null ? config.options() : ServerOptions.DEFAULTS).requestTimeout();
    }

    @Override
    public List<String> readyServers() {
        return manager.status().stream()
                .filter(status -> status.state() == ServerState.READY)
                .map(ServerStatus::name)
                .sorted(Comparator.comparing(configOrder))
                .toList();
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
        for (ServerStatus status : manager.status()) {
            ServerConfig config = configs.get(status.name());
            if (status.state() == ServerState.NEW && config != null && config.options().lazy()
                    && lazyStarted.add(status.name())) {
                Thread.ofVirtual().name("lazy-connect-" + status.name()).start(() -> manager.discover(status.name()));
            }
        }
    }

    @Override
    public CompletableFuture<ServerLists> discover(String server) {
        return CompletableFuture.supplyAsync(() -> lists(manager.discover(server)),
                runnable -> Thread.ofVirtual().name("discover-" + server).start(runnable));
    }

    @Override
    public boolean isolated(String server) {
        ServerConfig config = configs.get(server);
        return config != null && config.isolation() == Isolation.SESSION;
    }

    @Override
    public PendingRequest sendIsolated(String sessionId, String server, String method, JsonNode params,
                                       RequestOptions options) {
        String key = sessionId + "\u0000" + server;
        CompletableFuture<McpClient> client = isolatedClients.compute(key, (k, existing) ->
                existing != null && !(existing.isCompletedExceptionally()
                        || (existing.isDone() && !existing.join().isOpen()))
                        ? existing : connectIsolated(sessionId, server));
        return new DeferredRequest(method, params, options, send -> client.thenCompose(send));
    }

    @Override
    public void sessionClosed(String sessionId) {
        isolatedClients.entrySet().removeIf(entry -> {
            if (!entry.getKey().startsWith(sessionId + "\u0000")) {
                return false;
            }
            entry.getValue().thenAccept(client -> Thread.ofVirtual().start(client::close));
            return true;
        });
    }

    /** Closes every isolated upstream session (shutdown). */
    void closeIsolated() {
        isolatedClients.values().forEach(future -> future.thenAccept(McpClient::close));
        isolatedClients.clear();
    }

    private CompletableFuture<McpClient> connectIsolated(String sessionId, String server) {
        ServerConfig config = configs.get(server);
        return CompletableFuture.supplyAsync(() -> {
            DefaultClientFactory factory = new DefaultClientFactory(McpClient.Options.defaults(), client -> {
                client.setRequestHandler(request -> sink.isolatedUpstreamRequest(sessionId, server, request));
                client.addNotificationListener(n -> sink.isolatedUpstreamNotification(sessionId, server, n));
            });
            try {
                McpClient client = factory.connect(config);
                client.addCloseListener(cause -> factory.close());
                log.info("server \"{}\": isolated upstream session opened for client session {}", server, sessionId);
                return client;
            } catch (java.io.IOException | RuntimeException e) {
                factory.close();
                throw McpException.local(JsonRpc.SERVER_UNAVAILABLE, "server \"" + server
                        + "\": could not open an isolated session: " + e.getMessage(), e);
            }
        }, runnable -> Thread.ofVirtual().name("isolated-" + server).start(runnable));
    }

    /** The catalog's view of a discovery; throws when the discovery failed. */
    ServerLists lists(DiscoveryResult result) {
        if (!result.ok()) {
            throw McpException.local(JsonRpc.SERVER_UNAVAILABLE, result.error(), null);
        }
        ServerConfig config = configs.get(result.server());
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
