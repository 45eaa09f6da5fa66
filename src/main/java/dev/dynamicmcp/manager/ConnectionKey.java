package dev.dynamicmcp.manager;

/**
 * Names one upstream connection: the server, and for a server with {@code "isolation": "session"} the
 * downstream session it belongs to. {@code isolationKey} null is the server's shared connection.
 */
record ConnectionKey(String server, String isolationKey) {
    static ConnectionKey shared(String server) {
        return new ConnectionKey(server, null);
    }

    boolean isolated() {
        return isolationKey != null;
    }

    /** For logs and reports: {@code "notes"} or {@code "notes (session 3f2a9c1e)"} (a short prefix only). */
    @Override
    public String toString() {
        if (isolationKey == null) {
            return server;
        }
        String prefix = isolationKey.length() > 8 ? isolationKey.substring(0, 8) : isolationKey;
        return server + " (session " + prefix + ")";
    }
}
