package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One timer for the keep-alives of all open streams of a handler (instead of one per stream): every interval,
 * each stream writes a comment line, so intermediaries keep the connection and a vanished client is noticed.
 */
final class KeepAlives {
    /** A stream that can write a keep-alive; must not block. */
    interface Target {
        void keepAlive();
    }

    private final Set<Target> targets = ConcurrentHashMap.newKeySet();
    private final Repeating ticker;

    KeepAlives(Scheduler scheduler, Duration interval) {
        this.ticker = new Repeating(scheduler, "mcp-keep-alive", interval, this::tick);
    }

    void start() {
        ticker.start();
    }

    void stop() {
        ticker.stop();
    }

    void add(Target target) {
        targets.add(target);
    }

    void remove(Target target) {
        targets.remove(target);
    }

    int size() {
        return targets.size();
    }

    private void tick() {
        for (Target target : targets) {
            target.keepAlive();
        }
    }
}
