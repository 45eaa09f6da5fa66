package dev.dynamicmcp.config;

/** How the proxy reaches an upstream server. */
public enum TransportKind {
    /** A child process speaking newline-delimited JSON on stdin/stdout. */
    STDIO("stdio"),
    /** Streamable HTTP (MCP 2025-03-26 and later). */
    STREAMABLE_HTTP("streamable-http"),
    /** Legacy HTTP+SSE (MCP 2024-11-05): GET an event stream, POST to the announced endpoint. */
    SSE("sse"),
    /**
     * A {@code url} without {@code transport}: Streamable HTTP, falling back to legacy SSE when the
     * initialize POST is answered 400, 404 or 405 (the spec's backwards-compatibility rule).
     */
    HTTP_AUTO("http");

    private final String configName;

    TransportKind(String configName) {
        this.configName = configName;
    }

    /** The name used in the config file and in status output. */
    public String configName() {
        return configName;
    }
}
