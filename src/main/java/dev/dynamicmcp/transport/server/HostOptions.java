package dev.dynamicmcp.transport.server;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How {@link HttpServerHost} serves.
 *
 * @param transport      options of the two MCP handlers (paths, keep-alive, buffers); the body limit and the
 *                       idle expiry are taken from {@code ProxySettings} ({@code maxBodyBytes},
 *                       {@code limits.sessionIdleTimeout})
 * @param allowedOrigins origins accepted besides the loopback ones, the bound host and
 *                       {@code ProxySettings.allowedOrigins}, either full ({@code https://app.example.com}) or a
 *                       bare host ({@code app.example.com})
 * @param publicPaths    paths that need no bearer token even when one is set (liveness probes)
 * @param stopTimeout    how long a graceful stop waits for Jetty
 * @param profiles       the profiles served at {@code /mcp/{name}} (none by default)
 */
public record HostOptions(HttpTransportOptions transport, List<String> allowedOrigins, Set<String> publicPaths,
                          Duration stopTimeout, ProfileEndpoints profiles) {

    public static final HostOptions DEFAULTS = new HostOptions(HttpTransportOptions.DEFAULTS, List.of(),
            Set.of("/healthz"), Duration.ofSeconds(5));

    public HostOptions {
        allowedOrigins = List.copyOf(allowedOrigins);
        publicPaths = Set.copyOf(publicPaths);
        profiles = profiles == null ? ProfileEndpoints.NONE : profiles;
    }

    public HostOptions(HttpTransportOptions transport, List<String> allowedOrigins, Set<String> publicPaths,
                       Duration stopTimeout) {
        this(transport, allowedOrigins, publicPaths, stopTimeout, ProfileEndpoints.NONE);
    }

    public HostOptions withTransport(HttpTransportOptions options) {
        return new HostOptions(options, allowedOrigins, publicPaths, stopTimeout, profiles);
    }

    public HostOptions withAllowedOrigins(List<String> origins) {
        return new HostOptions(transport, origins, publicPaths, stopTimeout, profiles);
    }

    public HostOptions withProfiles(ProfileEndpoints endpoints) {
        return new HostOptions(transport, allowedOrigins, publicPaths, stopTimeout, endpoints);
    }
}
