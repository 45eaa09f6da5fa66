package dev.dynamicmcp.config;

/** How downstream sessions share upstream connections. */
public enum Isolation {
    /** One upstream connection per server, shared by every downstream session (the default). */
    SHARED,
    /** One upstream session per downstream session, for servers that keep per-client state. */
    SESSION
}
