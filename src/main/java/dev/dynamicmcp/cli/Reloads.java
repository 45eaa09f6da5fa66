package dev.dynamicmcp.cli;

import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.config.ConfigWatcher;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds config changes to the running proxy, from the file watcher and from SIGHUP. Both go through the proxy's
 * one apply path ({@link ProxyApp#applyConfig}, measured against the running config, which includes the admin
 * API's changes), and every config read carries the command line's overrides, so a setting fixed on the command
 * line ({@code --port}, {@code --auth-token}…) never shows as a change.
 */
final class Reloads {
    private static final Logger log = LoggerFactory.getLogger(Reloads.class);

    private final Path file;
    private final ProxyApp proxy;

    Reloads(Path file, ProxyApp proxy) {
        this.file = file;
        this.proxy = proxy;
    }

    ConfigWatcher watch() {
        return proxy.watchConfig(ConfigWatcher.DEFAULT_INTERVAL);
    }

    /** SIGHUP: reads the file now and applies it (or keeps the current config when it is invalid). */
    void reloadNow() {
        log.info("SIGHUP: reloading {}", file);
        proxy.reloadFromFile(); // an invalid file is logged and shown in /status; the running config stays
    }
}
