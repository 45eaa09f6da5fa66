package dev.dynamicmcp.auth;

import java.net.URI;
import java.util.Locale;

/** Canonical resource URIs (RFC 8707 §2, MCP "Canonical Server URI") and the origin checks built on them. */
public final class ResourceUris {
    private ResourceUris() {
    }

    /**
     * Lower-case scheme and host, no default port, no trailing slash (unless the path is just "/"), no query
     * or fragment: two spellings of one resource compare equal, two resources never do.
     */
    public static String canonical(String uri) {
        URI parsed = URI.create(uri.trim());
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        String host = parsed.getHost() == null ? "" : parsed.getHost().toLowerCase(Locale.ROOT);
        int port = parsed.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return scheme + "://" + host + (defaultPort ? "" : ":" + port) + path;
    }

    /** The origin (scheme://host[:port]) of a URI, canonical. */
    public static String origin(URI uri) {
        String canonical = canonical(uri.toString());
        int slash = canonical.indexOf('/', canonical.indexOf("://") + 3);
        return slash < 0 ? canonical : canonical.substring(0, slash);
    }

    public static boolean sameOrigin(URI a, URI b) {
        return origin(a).equals(origin(b));
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("127.0.0.1") || h.equals("[::1]") || h.equals("::1")
                || h.startsWith("127.");
    }
}
