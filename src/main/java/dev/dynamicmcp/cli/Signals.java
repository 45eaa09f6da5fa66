package dev.dynamicmcp.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP reloads the config instead of stopping the proxy (the JVM's default for HUP is to exit). */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /** Runs {@code action} on each SIGHUP; does nothing where the signal cannot be handled (Windows). */
    static void onHangUp(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    log.error("SIGHUP: reloading failed", e);
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.debug("SIGHUP cannot be handled here: {}", e.getMessage());
        }
    }
}
