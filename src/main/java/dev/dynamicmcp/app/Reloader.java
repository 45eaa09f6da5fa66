package dev.dynamicmcp.app;

import dev.dynamicmcp.config.ConfigDiff;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.runtime.Failures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a changed config to the running proxy. Server changes are registered with the manager at once and
 * their connects and drains run in the background, so the config watcher is never held by a server that is
 * slow to connect (and the next change, even a removal of a server just added, is applied in order). Of the
 * {@code proxy} section, what can change live does; the rest is logged as needing a restart — never as done.
 */
final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final ServerManager manager;
    /** Rotates the bearer token live; false when the HTTP host cannot (then it needs a restart). */
    private final Predicate<String> rotateToken;
    private final Predicate<String> rotateAdminToken;

    /** Serves the next config's profiles (views rebuilt live, no server restarted). */
    private final Consumer<Map<String, Profile>> updateProfiles;

    Reloader(ServerManager manager, Predicate<String> rotateToken, Predicate<String> rotateAdminToken,
             Consumer<Map<String, Profile>> updateProfiles) {
        this.manager = manager;
        this.rotateToken = rotateToken;
        this.rotateAdminToken = rotateAdminToken;
        this.updateProfiles = updateProfiles;
    }

    /** {@code previous} and {@code next} must both carry the command line's overrides, so only file edits differ. */
    void apply(ProxyConfig previous, ProxyConfig next) {
        ConfigDiff diff = ConfigDiff.between(previous, next);
        if (diff.isEmpty()) {
            return;
        }
        log.info("config changed: {}", diff.summary());
        if (diff.proxyChanged()) {
            applyProxySection(diff.proxyFields(), next);
        }
        for (String name : diff.removed()) {
            run("remove", name, () -> manager.remove(name));
        }
        if (diff.profilesChanged()) {
            try {
                updateProfiles.accept(next.profiles());
                log.info("profiles applied: {}", next.profiles().keySet());
            } catch (RuntimeException e) {
                log.warn("could not apply the profiles: {}", Failures.describe(e));
            }
        }
        for (String name : diff.added()) {
            ServerConfig config = next.servers().get(name);
            run("add", name, () -> logFailure("add", name, manager.add(config)));
        }
        for (ServerConfig config : diff.changed()) {
            run("replace", config.name(), () -> logFailure("replace", config.name(), manager.replace(config)));
        }
    }

    private void applyProxySection(List<String> fields, ProxyConfig next) {
        List<String> restart = new ArrayList<>();
        for (String field : fields) {
            switch (field) {
                case "authToken" -> {
                    if (rotateToken.test(next.proxy().authToken())) {
                        log.info("proxy.authToken changed: rotated; the previous token no longer works");
                    } else {
                        restart.add(field);
                    }
                }
                case "adminToken" -> {
                    if (rotateAdminToken.test(next.proxy().adminToken())) {
                        log.info("proxy.adminToken changed: rotated; the previous admin token no longer works");
                    } else {
                        restart.add(field);
                    }
                }
                // inherited by the servers: the ones it changes are in the diff as changed, and replaced below
                case "defaults" -> log.info("proxy.defaults changed: applied to the servers that inherit them");
                default -> restart.add(field);
            }
        }
        if (!restart.isEmpty()) {
            log.warn("proxy section: restart needed for {} (the running proxy keeps the values it started with)",
                    String.join(", ", restart));
        }
    }

    private static void run(String what, String server, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("could not {} server \"{}\": {}", what, server, Failures.describe(e));
        }
    }

    private static void logFailure(String what, String server, CompletableFuture<Void> done) {
        done.whenComplete((ok, failure) -> {
            if (failure != null) {
                log.warn("{} of server \"{}\" failed: {}", what, server, Failures.describe(failure));
            }
        });
    }
}
