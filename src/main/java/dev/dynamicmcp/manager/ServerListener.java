package dev.dynamicmcp.manager;

/**
 * Hears servers come and go, so the proxy can refresh its merged lists and send {@code list_changed}.
 * Called without any manager lock held, from the thread that made the change; must be fast and must not
 * throw (a thrown exception is logged and ignored).
 */
@FunctionalInterface
public interface ServerListener {
    void onServerEvent(ServerEvent event);
}
