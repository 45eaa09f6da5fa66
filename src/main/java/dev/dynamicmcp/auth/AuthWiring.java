package dev.dynamicmcp.auth;

import dev.dynamicmcp.auth.upstream.TokenStore;
import dev.dynamicmcp.auth.upstream.UpstreamOAuth;
import dev.dynamicmcp.auth.upstream.UpstreamSignIns;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.transport.server.HttpServerHost;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Builds the auth pieces from the config for the composition root, which then needs one line per piece:
 * the downstream {@link OAuthAuthenticator} (when {@code proxy.auth} is set) for the HTTP guard, and the
 * {@link UpstreamSignIns} (always; inert while no server has {@code oauth}) for the client factory and the
 * {@code /oauth/callback} route.
 */
public final class AuthWiring {
    /** Where the proxy keeps its state when {@code proxy.dataDir} is not set. */
    public static final String DEFAULT_DATA_DIR = ".dynamic-mcp-proxy";

    private AuthWiring() {
    }

    /** The resource-server side, or empty when {@code proxy.auth} is not configured (static token or none). */
    public static Optional<OAuthAuthenticator> downstream(ProxySettings settings, Scheduler scheduler) {
        AuthSettings auth = settings.auth();
        if (auth == null) {
            return Optional.empty();
        }
        return Optional.of(OAuthAuthenticator.of(new TokenVerifier(auth, OAuthHttp.withDefaultClient(),
                scheduler.clock())));
    }

    /**
     * The client side, inert until a server with {@code oauth} connects (then the token store opens).
     *
     * @param servingHttp whether this process serves HTTP (and with it the sign-in callback); without it
     *                    ({@code check}, stdio only) a server that needs sign-in says so, with no link
     * @param boundBase   the proxy's HTTP base once bound ({@code http://127.0.0.1:8080/}), else null; before
     *                    that, a configured port gives the base (the first connects run before the bind)
     */
    public static UpstreamSignIns upstream(ProxySettings settings, boolean servingHttp, Supplier<URI> boundBase,
                                           Scheduler scheduler) {
        return upstream(settings, servingHttp, boundBase, scheduler, System.getenv());
    }

    static UpstreamSignIns upstream(ProxySettings settings, boolean servingHttp, Supplier<URI> boundBase,
                                    Scheduler scheduler, Map<String, String> env) {
        Supplier<URI> redirect = () -> {
            URI base = servingHttp ? callbackBase(settings, boundBase.get()) : null;
            return base == null ? null : base.resolve(UpstreamOAuth.CALLBACK_PATH);
        };
        return new UpstreamSignIns(dataDir(settings), env, redirect, OAuthHttp.withDefaultClient(), scheduler);
    }

    /**
     * Where a browser reaches this proxy: the bound address, or the configured one before the bind; a wildcard
     * address ({@code 0.0.0.0}, {@code ::}) is reached as {@code localhost} (the person signing in is usually at
     * the machine; behind a reverse proxy the registered redirect must be that proxy's, a known gap).
     */
    static URI callbackBase(ProxySettings settings, URI bound) {
        int port = bound != null ? bound.getPort() : settings.port();
        if (port <= 0) {
            return null;
        }
        String host = settings.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "localhost";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port + "/");
    }

    /**
     * At start, before the first connect: when an enabled server has {@code oauth}, opens the token store, so a
     * missing key stops the start with its message (set {@value TokenStore#KEY_ENV} or create the key file)
     * instead of failing every such server's connect.
     */
    public static void openIfNeeded(UpstreamSignIns signIns, Collection<ServerConfig> servers)
            throws TokenStore.TokenStoreException {
        if (servers.stream().anyMatch(server -> server.oauth() != null && !server.disabled())) {
            signIns.open();
        }
    }

    /**
     * Mounts the auth routes on the HTTP host before it starts: OAuth for callers when {@code proxy.auth} is set
     * (and with it the protected-resource metadata), and the public sign-in callback
     * {@value UpstreamOAuth#CALLBACK_PATH}.
     */
    public static void mount(HttpServerHost host, ProxySettings settings, UpstreamSignIns signIns, Scheduler scheduler) {
        downstream(settings, scheduler).ifPresent(host::useOAuth);
        host.addPublicRoute("GET", UpstreamOAuth.CALLBACK_PATH, signIns.callbackHandler());
    }

    /** {@code proxy.dataDir}, or {@code ~/.dynamic-mcp-proxy}. */
    public static Path dataDir(ProxySettings settings) {
        return settings.dataDir() != null ? settings.dataDir()
                : Path.of(System.getProperty("user.home")).resolve(DEFAULT_DATA_DIR);
    }
}
