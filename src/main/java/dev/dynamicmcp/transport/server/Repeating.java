package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;

/** A task run every {@code period} on the {@link Scheduler} (each run schedules the next) until stopped. */
final class Repeating {
    private final Scheduler scheduler;
    private final String name;
    private final Duration period;
    private final Runnable task;
    private volatile boolean running;
    private volatile Scheduler.Cancellable next = Scheduler.Cancellable.NONE;

    Repeating(Scheduler scheduler, String name, Duration period, Runnable task) {
        this.scheduler = scheduler;
        this.name = name;
        this.period = period;
        this.task = task;
    }

    void start() {
        running = true;
        scheduleNext();
    }

    void stop() {
        running = false;
        next.cancel();
    }

    private void scheduleNext() {
        if (running) {
            next = scheduler.schedule(name, period, () -> {
                try {
                    task.run();
                } finally {
                    scheduleNext();
                }
            });
        }
    }
}
