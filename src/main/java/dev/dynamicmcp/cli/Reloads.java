package dev.dynamicmcp.cli;

import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ConfigWatcher;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ProxySettings;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds config changes to the running proxy, from the file watcher and from SIGHUP. Both go through one lock and
 * one "current" config, which carries the command line's overrides like every config read later, so a setting
 * fixed on the command line ({@code --port}, {@code --auth-token}…) never shows as a change.
 */
final class Reloads {
    private static final Logger log = LoggerFactory.getLogger(Reloads.class);

    /** Applies the command line's settings on top of a config's proxy section. */
    interface Overrides {
        ProxySettings apply(ProxySettings fromFile);
    }

    private final Path file;
    private final ProxyApp proxy;
    private final Overrides overrides;
    private final ReentrantLock lock = new ReentrantLock();
    private ProxyConfig current; // guarded by lock

    Reloads(Path file, ProxyConfig initial, ProxyApp proxy, Overrides overrides) {
        this.file = file;
        this.current = initial;
        this.proxy = proxy;
        this.overrides = overrides;
    }

    ConfigWatcher watch() {
        UnaryOperator<ProxyConfig> effective = this::withOverrides;
        return ConfigWatcher.start(file, current(), ConfigWatcher.DEFAULT_INTERVAL, System.getenv(), effective,
                listener(), proxy.scheduler());
    }

    private ConfigWatcher.Listener listener() {
        return new ConfigWatcher.Listener() {
                    @Override
                    public void changed(ProxyConfig previous, ProxyConfig next) {
                        apply(next);
                    }

                    @Override
                    public void rejected(String problems) {
                        proxy.configRejected(problems);
                    }
                };
    }

    /** SIGHUP: reads the file now and applies it (or keeps the current config when it is invalid). */
    void reloadNow() {
        log.info("SIGHUP: reloading {}", file);
        ProxyConfig next;
        try {
            next = withOverrides(ConfigLoader.load(file));
        } catch (ConfigException e) {
            log.error("config file {} is invalid; keeping the current config. {}", file, e.getMessage());
            proxy.configRejected(e.getMessage());
            return;
        } catch (UsageException e) {
            log.error("config file {}: {}; keeping the current config", file, e.getMessage());
            proxy.configRejected(e.getMessage());
            return;
        }
        apply(next);
    }

    private void apply(ProxyConfig next) {
        lock.lock();
        try {
            ProxyConfig previous = current;
            current = next;
            // registers the changes and returns; connects and drains run in the background
            proxy.reload(previous, next);
        } finally {
            lock.unlock();
        }
    }

    private ProxyConfig current() {
        lock.lock();
        try {
            return current;
        } finally {
            lock.unlock();
        }
    }

    private ProxyConfig withOverrides(ProxyConfig config) {
        return new ProxyConfig(overrides.apply(config.proxy()), config.servers(), config.profiles());
    }
}
