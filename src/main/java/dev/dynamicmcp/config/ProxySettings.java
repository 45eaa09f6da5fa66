package dev.dynamicmcp.config;

/**
 * The {@code proxy} section: where and how the merged endpoint is served.
 *
 * @param authToken    when set, every HTTP request needs {@code Authorization: Bearer <token>}
 * @param maxBodyBytes largest accepted HTTP request body
 * @param defaults     server options every server inherits unless it sets its own
 */
public record ProxySettings(
        String host,
        int port,
        NamespaceMode namespace,
        String separator,
        String authToken,
        long maxBodyBytes,
        int connectConcurrency,
        ServerOptions defaults) {

    public static final ProxySettings DEFAULTS = new ProxySettings(
            "127.0.0.1", 8080, NamespaceMode.PREFIX, "__", null, 4L * 1024 * 1024, 8, ServerOptions.DEFAULTS);
}
