package dev.dynamicmcp.config;

/**
 * One thing wrong with a config file.
 *
 * @param server  the server the problem belongs to, or {@code null} for the file, the top level or the
 *                {@code proxy} section
 * @param key     the key path from the top of the file, e.g. {@code mcpServers.remote.headers.Authorization},
 *                or {@code null} when the problem is with the file as a whole
 * @param message what is wrong, never containing a secret (header, env or token values)
 */
public record ConfigProblem(String server, String key, String message) {

    /**
     * The one-line form users read, e.g. {@code server "remote", key "url": "ftp://x" is not an http(s) URL}.
     * Inside a server the key is shown relative to the server's entry.
     */
    public String describe() {
        StringBuilder line = new StringBuilder();
        String shownKey = key == null ? null : relativeKey();
        if (server != null) {
            line.append("server \"").append(server).append('"');
        }
        if (shownKey != null && !shownKey.isEmpty()) {
            line.append(line.isEmpty() ? "" : ", ").append("key \"").append(shownKey).append('"');
        }
        return line.isEmpty() ? message : line.append(": ").append(message).toString();
    }

    private String relativeKey() {
        if (server == null) {
            return key;
        }
        for (String section : new String[] {"mcpServers.", "servers."}) {
            String entry = section + server;
            if (key.equals(entry)) {
                return "";
            }
            if (key.startsWith(entry + ".")) {
                return key.substring(entry.length() + 1);
            }
        }
        return key;
    }

    @Override
    public String toString() {
        return describe();
    }
}
