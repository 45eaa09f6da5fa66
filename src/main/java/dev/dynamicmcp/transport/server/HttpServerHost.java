package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.auth.OAuthAuthenticator;
import dev.dynamicmcp.auth.ResourceMetadata;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's HTTP server: Jetty 12 on virtual threads serving Streamable HTTP ({@code /mcp}), legacy SSE
 * ({@code /sse} + {@code /message}) and the routes other components add ({@code /healthz}, {@code /metrics}…),
 * behind Host/Origin validation, the bearer token and the body size limit. Streams and waiting POSTs hold no
 * thread (they are written asynchronously), and what clients hold is bounded by {@code proxy.limits}
 * ({@link dev.dynamicmcp.config.ServingLimits}); the routes ({@code /healthz}…) are outside those limits, so
 * probes answer however busy the MCP endpoint is.
 *
 * <pre>{@code
 * HttpServerHost host = new HttpServerHost(settings, proxySessionListener);
 * host.addRoute("GET", "/healthz", (request, response, callback) -> { ...; return true; });
 * host.start();           // host.port() is the bound port (also when settings.port() is 0)
 * ...
 * host.stop();            // sessions closed (listener.closed for each), then Jetty stopped
 * }</pre>
 */
public final class HttpServerHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServerHost.class);

    enum State { NEW, STARTED, STOPPED }

    private final ProxySettings settings;
    private final HostOptions options;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final AtomicReference<String> authToken;
    private final AtomicReference<String> adminToken;
    private final Admission admission;
    private final EventBudget budget;
    private final StreamableHttpHandler streamableHttp;
    private final SseServerHandler legacySse;
    private final Map<String, Request.Handler> routes = new ConcurrentHashMap<>();
    /** Prefix routes, longest prefix first so a more specific mount wins. */
    private final java.util.concurrent.CopyOnWriteArrayList<Map.Entry<String, Request.Handler>> prefixRoutes =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The options' public paths plus public routes added later ({@code /oauth/callback}). */
    private final Set<String> publicPaths = ConcurrentHashMap.newKeySet();
    private volatile OAuthAuthenticator oauth;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private volatile Server server;
    private volatile ServerConnector connector;

    public HttpServerHost(ProxySettings settings, SessionListener listener) {
        this(settings, listener, HostOptions.DEFAULTS);
    }

    public HttpServerHost(ProxySettings settings, SessionListener listener, HostOptions options) {
        this(settings, listener, options, null);
    }

    /**
     * @param scheduler time, keep-alives and idle expiry (the proxy's own); null: a {@link SystemScheduler} this
     *                  host owns and closes at stop
     */
    public HttpServerHost(ProxySettings settings, SessionListener listener, HostOptions options, Scheduler scheduler) {
        this.settings = settings;
        this.options = options;
        this.ownsScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : new SystemScheduler();
        this.authToken = new AtomicReference<>(settings.authToken());
        this.adminToken = new AtomicReference<>(settings.adminToken());
        this.publicPaths.addAll(options.publicPaths());
        this.admission = new Admission(settings.limits());
        this.budget = new EventBudget(settings.limits().maxBufferedEvents());
        HttpTransportOptions transport = options.transport().withMaxBodyBytes(settings.maxBodyBytes())
                .withSessionIdleTimeout(settings.limits().sessionIdleTimeout());
        this.streamableHttp = new StreamableHttpHandler(listener, transport, admission, budget, this.scheduler,
                options.profiles());
        this.legacySse = new SseServerHandler(listener, transport, admission, budget, this.scheduler);
    }

    /**
     * Switches to a new bearer token: from now on only {@code token} is accepted, the old one stops working at
     * once (a config reload rotates it this way). Null or blank turns authentication off, which is refused when
     * the host listens on a non-loopback address.
     */
    public void setAuthToken(String token) {
        boolean none = token == null || token.isBlank();
        if (none && !isLoopback(settings.host()) && oauth == null) {
            throw new IllegalArgumentException("refusing to turn the auth token off while listening on "
                    + settings.host() + ", an address reachable from other machines");
        }
        String previous = authToken.getAndSet(none ? null : token);
        if (!java.util.Objects.equals(previous, authToken.get())) {
            log.info("HTTP server: the bearer token was {}", none ? "removed" : previous == null ? "set" : "rotated");
        }
    }

    /** Switches the admin token ({@code proxy.adminToken}); null: the admin routes take the bearer token again. */
    public void setAdminToken(String token) {
        String previous = adminToken.getAndSet(token == null || token.isBlank() ? null : token);
        if (!java.util.Objects.equals(previous, adminToken.get())) {
            log.info("HTTP server: the admin token was {}", adminToken.get() == null ? "removed"
                    : previous == null ? "set" : "rotated");
        }
    }

    /**
     * Before start: callers need an OAuth access token ({@code proxy.auth}), checked by {@code authenticator},
     * and the protected-resource metadata ({@code /.well-known/oauth-protected-resource[/mcp[/profile]]}) is
     * served without one. A static token set as well stays valid (see {@link RequestGuard}).
     */
    public HttpServerHost useOAuth(OAuthAuthenticator authenticator) {
        if (state.get() != State.NEW) {
            throw new IllegalStateException("OAuth must be set before the HTTP server starts");
        }
        this.oauth = authenticator;
        return this;
    }

    /** Like {@link #addRoute}, but the path needs no credentials (the OAuth redirect endpoint). */
    public HttpServerHost addPublicRoute(String method, String path, Request.Handler handler) {
        publicPaths.add(path);
        return addRoute(method, path, handler);
    }

    /** Long-lived streams open now (GET and legacy SSE), all clients. */
    public int openStreams() {
        return admission.openStreams();
    }

    /** POSTs waiting for their answers now, all clients. */
    public int runningRequests() {
        return admission.runningRequests();
    }

    /** Server messages buffered by all sessions now (bounded by {@code proxy.limits.maxBufferedEvents}). */
    public long bufferedEvents() {
        return budget.total();
    }

    /**
     * Serves {@code handler} for exactly {@code method} and {@code path} (before or after start). The handler
     * runs on a virtual thread behind the same Host/Origin/token checks as MCP (see
     * {@link HostOptions#publicPaths()} for paths without token).
     */
    public HttpServerHost addRoute(String method, String path, Request.Handler handler) {
        routes.put(method.toUpperCase(Locale.ROOT) + " " + path, handler);
        return this;
    }

    /**
     * Serves {@code handler} for every method and every path that starts with {@code prefix} (e.g.
     * {@code /admin/}), after the exact routes and behind the same checks; paths under {@link #ADMIN_PREFIX} need
     * the admin token when one is set. The handler returns false for a path it does not serve.
     */
    public HttpServerHost addPrefixRoute(String prefix, Request.Handler handler) {
        prefixRoutes.add(Map.entry(prefix, handler));
        prefixRoutes.sort(java.util.Comparator.comparingInt((Map.Entry<String, Request.Handler> e) -> e.getKey().length())
                .reversed());
        return this;
    }

    /** Where the admin API lives: {@code proxy.adminToken}, when set, is the only token accepted there. */
    public static final String ADMIN_PREFIX = "/admin/";

    public StreamableHttpHandler streamableHttp() {
        return streamableHttp;
    }

    public SseServerHandler legacySse() {
        return legacySse;
    }

    /**
     * Binds and starts. Refuses a non-loopback host without an auth token: anyone who can reach the port would
     * drive every configured MCP server.
     */
    public void start() throws Exception {
        boolean loopback = isLoopback(settings.host());
        String token = authToken.get();
        if (!loopback && (token == null || token.isBlank()) && oauth == null) {
            throw new IllegalStateException("refusing to listen on " + settings.host() + ":" + settings.port()
                    + " without an auth token: that address is reachable from other machines, and anyone who "
                    + "reaches it could call every configured MCP server. Set proxy.authToken (clients then send "
                    + "\"Authorization: Bearer <token>\") or proxy.auth (OAuth), or bind to 127.0.0.1");
        }
        if (!state.compareAndSet(State.NEW, State.STARTED)) {
            throw new IllegalStateException("the HTTP server was already started (state " + state.get() + ")");
        }
        VirtualThreadPool threads = new HttpThreads(admission::runningRequests);
        threads.setName("mcp-http");
        Server jetty = new Server(threads);
        ServerConnector http = new ServerConnector(jetty);
        http.setHost(settings.host());
        http.setPort(settings.port());
        // No per-connection header cache: Jetty builds one of ~100 KB on each connection's first request. It
        // lives as long as the connection, so it is promoted and left behind as old-generation garbage when
        // the connection ends (a fleet of 128 clients reconnecting grew the heap by 28 MB each time), and
        // the header values it would spare are few: each request has its own session id. Measured (bench
        // README, "JVM defaults"): RSS flat across 128-session cells, CPU per call no higher.
        http.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setHeaderCacheSize(0);
        http.setAcceptQueueSize(1024); // an agent fleet reconnecting at once must not hit the OS default of 50
        // SSE streams idle between keep-alives; the connector must not time them out first
        http.setIdleTimeout(Math.max(30_000, options.transport().keepAliveInterval().toMillis() * 4));
        jetty.addConnector(http);
        OAuthAuthenticator resourceServer = oauth;
        Handler.Sequence chain = resourceServer == null
                ? new Handler.Sequence(new Routes(), streamableHttp, legacySse, new NotFound())
                : new Handler.Sequence(new ResourceMetadataRoute(resourceServer.metadata()), new Routes(),
                        streamableHttp, legacySse, new NotFound());
        List<String> origins = new ArrayList<>(options.allowedOrigins());
        origins.addAll(settings.allowedOrigins());
        jetty.setHandler(new RequestGuard(chain, settings.host(), loopback, authToken::get, adminToken::get,
                settings.maxBodyBytes(), options.withAllowedOrigins(origins), publicPaths, resourceServer));
        jetty.setStopTimeout(options.stopTimeout().toMillis());
        server = jetty;
        connector = http;
        jetty.start();
        log.info("HTTP server: NEW -> STARTED on {} (Streamable HTTP at {}, legacy SSE at {})", uri(),
                options.transport().mcpPath(), options.transport().ssePath());
    }

    /** The bound port (the real one when 0 was configured); -1 before start. */
    public int port() {
        ServerConnector http = connector;
        return http == null ? -1 : http.getLocalPort();
    }

    /** The base URI, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String host = settings.host().contains(":") && !settings.host().startsWith("[")
                ? "[" + settings.host() + "]" : settings.host();
        return URI.create("http://" + host + ":" + port());
    }

    /** Closes every session (the listener hears about each), then stops Jetty within the stop timeout. */
    public void stop() {
        if (!state.compareAndSet(State.STARTED, State.STOPPED)) {
            if (state.compareAndSet(State.NEW, State.STOPPED) && ownsScheduler) {
                scheduler.close(java.time.Duration.ofSeconds(1));
            }
            return;
        }
        log.info("HTTP server: STARTED -> STOPPED: closing {} Streamable HTTP and {} SSE sessions",
                streamableHttp.sessionCount(), legacySse.sessionCount());
        streamableHttp.closeAllSessions("the proxy is stopping");
        legacySse.closeAllSessions();
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("stopping Jetty failed", e);
        }
        if (ownsScheduler) {
            scheduler.close(java.time.Duration.ofSeconds(1));
        }
    }

    @Override
    public void close() {
        stop();
    }

    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            Request.Handler route = routes.get(request.getMethod() + " " + path);
            if (route != null) {
                return route.handle(request, response, callback);
            }
            for (Map.Entry<String, Request.Handler> prefix : prefixRoutes) {
                if (path.startsWith(prefix.getKey()) && prefix.getValue().handle(request, response, callback)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** RFC 9728 documents: GET (or HEAD) of {@code /.well-known/oauth-protected-resource...}, no token needed. */
    private static final class ResourceMetadataRoute extends Handler.Abstract {
        private final ResourceMetadata metadata;

        ResourceMetadataRoute(ResourceMetadata metadata) {
            this.metadata = metadata;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            if (!ResourceMetadata.isMetadataPath(path)) {
                return false;
            }
            if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
                HttpIo.text(response, callback, 405, "method not allowed: " + request.getMethod() + " " + path);
                return true;
            }
            var document = metadata.document(path);
            if (document.isEmpty()) {
                HttpIo.text(response, callback, 404, "no protected resource at " + path);
                return true;
            }
            response.getHeaders().put("Cache-Control", "max-age=300");
            HttpIo.json(response, callback, 200, document.get());
            return true;
        }
    }

    private static final class NotFound extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            HttpIo.text(response, callback, 404, "not found: " + request.getMethod() + " "
                    + Request.getPathInContext(request));
            return true;
        }
    }
}
