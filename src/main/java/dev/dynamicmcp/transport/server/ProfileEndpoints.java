package dev.dynamicmcp.transport.server;

/**
 * The profiles served at {@code /mcp/{name}}, as the HTTP server sees them: read per request, so a profile
 * added, removed or given a new token by a reload takes effect at once.
 */
public interface ProfileEndpoints {
    ProfileEndpoints NONE = new ProfileEndpoints() {
        @Override
        public boolean exists(String name) {
            return false;
        }

        @Override
        public String token(String name) {
            return null;
        }
    };

    boolean exists(String name);

    /** The profile's own bearer token, or null when it has none (then the proxy's token applies). */
    String token(String name);

    /**
     * The profile a request path names: {@code "reviewer"} for {@code /mcp/reviewer}; null for the default
     * endpoint or a path that is not a profile endpoint. Names are {@code [A-Za-z0-9_-]+}.
     */
    static String profileOf(String mcpPath, String path) {
        if (path == null || !path.startsWith(mcpPath + "/")) {
            return null;
        }
        String name = path.substring(mcpPath.length() + 1);
        return !name.isEmpty() && name.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_')
                ? name : null;
    }
}
