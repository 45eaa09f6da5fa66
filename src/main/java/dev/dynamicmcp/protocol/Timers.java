package dev.dynamicmcp.protocol;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The one timer thread for request timeouts: timer tasks only complete futures or start virtual threads. */
final class Timers {
    static final ScheduledThreadPoolExecutor SCHEDULER = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "mcp-request-timeouts");
        thread.setDaemon(true);
        return thread;
    });

    static {
        SCHEDULER.setRemoveOnCancelPolicy(true);
    }

    private Timers() {
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis < 10_000 ? millis + " ms" : (millis / 100) / 10.0 + " s";
    }
}
