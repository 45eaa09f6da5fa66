package dev.dynamicmcp.config;

import java.util.List;

/**
 * The {@code proxy} section: where and how the merged endpoint is served.
 *
 * @param authToken    when set, every HTTP request needs {@code Authorization: Bearer <token>}
 * @param maxBodyBytes largest accepted HTTP request body
 * @param defaults     server options every server inherits unless it sets its own
 * @param allowedOrigins browser origins ({@code scheme://host[:port]}) allowed besides the proxy's own host
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
        List<String> allowedOrigins) {

    public static final ProxySettings DEFAULTS = new ProxySettings(
            "127.0.0.1", 8080, NamespaceMode.PREFIX, "__", null, 4L * 1024 * 1024, 8, ServerOptions.DEFAULTS,
            List.of());

    public ProxySettings {
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    }

    /** No extra allowed origins: the form written before the setting existed. */
    public ProxySettings(String host, int port, NamespaceMode namespace, String separator, String authToken,
                         long maxBodyBytes, int connectConcurrency, ServerOptions defaults) {
        this(host, port, namespace, separator, authToken, maxBodyBytes, connectConcurrency, defaults, List.of());
    }
}
