package dev.dynamicmcp.config;

import dev.dynamicmcp.auth.AuthSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code proxy} section: where and how the merged endpoint is served.
 *
 * @param authToken    when set, every HTTP request needs {@code Authorization: Bearer <token>}
 * @param maxBodyBytes largest accepted HTTP request body
 * @param defaults     server options every server inherits unless it sets its own
 * @param limits       what the HTTP endpoint lets one client and all clients hold ({@code proxy.limits})
 * @param allowedOrigins browser origins accepted besides the local ones ({@code proxy.allowedOrigins}), full
 *                     ({@code https://app.example.com}) or a bare host ({@code app.example.com})
 * @param adminToken   when set, {@code /admin/*} needs {@code Authorization: Bearer <adminToken>} instead of
 *                     {@code authToken} (an MCP client's token then cannot change servers); null: the admin
 *                     routes take {@code authToken}
 * @param auth         {@code proxy.auth}: the proxy as an OAuth 2.1 resource server, or null (static token or none)
 * @param dataDir      {@code proxy.dataDir}: where the proxy keeps state (encrypted upstream OAuth tokens), or null
 *                     for {@code ~/.dynamic-mcp-proxy}
 * @param bridge       {@code proxy.bridge}: the bounds of the revision bridge for calls that wait for client input
 */
public record ProxySettings(
        String host,
        int port,
        NamespaceMode namespace,
        String separator,
        String authToken,
        long maxBodyBytes,
        int connectConcurrency,
        ServerOptions defaults,
        ServingLimits limits,
        List<String> allowedOrigins,
        String adminToken,
        AuthSettings auth,
        Path dataDir,
        BridgeSettings bridge) {

    public static final ProxySettings DEFAULTS = new ProxySettings(
            "127.0.0.1", 8080, NamespaceMode.PREFIX, "__", null, 4L * 1024 * 1024, 8, ServerOptions.DEFAULTS);

    public ProxySettings {
        limits = limits == null ? ServingLimits.DEFAULTS : limits;
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        bridge = bridge == null ? BridgeSettings.DEFAULTS : bridge;
    }

    /** Settings with the default {@link BridgeSettings}. */
    public ProxySettings(String host, int port, NamespaceMode namespace, String separator, String authToken,
                         long maxBodyBytes, int connectConcurrency, ServerOptions defaults, ServingLimits limits,
                         List<String> allowedOrigins, String adminToken, AuthSettings auth, Path dataDir) {
        this(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency, defaults, limits,
                allowedOrigins, adminToken, auth, dataDir, null);
    }

    /** Settings without an admin token, OAuth or a data directory of their own. */
    public ProxySettings(String host, int port, NamespaceMode namespace, String separator, String authToken,
                         long maxBodyBytes, int connectConcurrency, ServerOptions defaults, ServingLimits limits,
                         List<String> allowedOrigins) {
        this(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency, defaults, limits,
                allowedOrigins, null, null, null, null);
    }

    /** Settings with the default {@link ServingLimits} and no extra allowed origins. */
    public ProxySettings(String host, int port, NamespaceMode namespace, String separator, String authToken,
                         long maxBodyBytes, int connectConcurrency, ServerOptions defaults) {
        this(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency, defaults,
                ServingLimits.DEFAULTS, List.of());
    }

    public ProxySettings withLimits(ServingLimits value) {
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, value, allowedOrigins, adminToken, auth, dataDir, bridge);
    }

    public ProxySettings withAllowedOrigins(List<String> value) {
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, limits, value, adminToken, auth, dataDir, bridge);
    }

    public ProxySettings withAdminToken(String value) {
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, limits, allowedOrigins, value, auth, dataDir, bridge);
    }

    public ProxySettings withAuth(AuthSettings value) {
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, limits, allowedOrigins, adminToken, value, dataDir, bridge);
    }

    public ProxySettings withDataDir(Path value) {
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, limits, allowedOrigins, adminToken, auth, value, bridge);
    }

    public ProxySettings withBridge(BridgeSettings value) {
        return new ProxySettings(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency,
                defaults, limits, allowedOrigins, adminToken, auth, dataDir, value);
    }

    /** The tokens are secrets: never printed. */
    @Override
    public String toString() {
        return "ProxySettings[host=" + host + ", port=" + port + ", namespace=" + namespace + ", separator=" + separator
                + ", authToken=" + (authToken == null ? "none" : "***") + ", maxBodyBytes=" + maxBodyBytes
                + ", connectConcurrency=" + connectConcurrency + ", defaults=" + defaults + ", limits=" + limits
                + ", allowedOrigins=" + allowedOrigins + ", adminToken=" + (adminToken == null ? "none" : "***")
                + ", auth=" + auth + ", dataDir=" + dataDir + ", bridge=" + bridge + "]";
    }
}
