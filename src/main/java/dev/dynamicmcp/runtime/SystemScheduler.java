package dev.dynamicmcp.runtime;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: one daemon platform thread keeps the timers and only hands due tasks to
 * virtual threads, so a slow task never delays another timer. Every running task and loop is tracked, so
 * {@link #close(Duration)} can wait for them (and say which did not end).
 */
public final class SystemScheduler implements Scheduler {
    private static final Logger log = LoggerFactory.getLogger(SystemScheduler.class);

    private final ScheduledThreadPoolExecutor timer;
    private final Clock clock;
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    public SystemScheduler() {
        this(Clock.systemUTC());
    }

    public SystemScheduler(Clock clock) {
        this.clock = clock;
        this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "mcp-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public double random() {
        return ThreadLocalRandom.current().nextDouble();
    }

    @Override
    public Cancellable schedule(String name, Duration delay, Runnable task) {
        if (closed.get()) {
            return Cancellable.NONE;
        }
        long nanos = Math.max(0, delay.toNanos());
        if (nanos == 0) {
            execute(name, task);
            return Cancellable.NONE;
        }
        try {
            ScheduledFuture<?> future = timer.schedule(() -> execute(name, task), nanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException e) {
            return Cancellable.NONE; // closing
        }
    }

    @Override
    public void execute(String name, Runnable task) {
        if (closed.get()) {
            log.debug("scheduler closed: not running {}", name);
            return;
        }
        start(name, task);
    }

    @Override
    public Thread startLoop(String name, Runnable loop) {
        return start(name, loop);
    }

    private Thread start(String name, Runnable task) {
        Thread thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                task.run();
            } catch (Throwable t) {
                log.warn("background task {} failed", name, t);
            } finally {
                running.remove(Thread.currentThread());
            }
        });
        running.add(thread);
        thread.start();
        return thread;
    }

    /** Tasks and loops running now (for diagnostics and tests). */
    public int runningTasks() {
        return running.size();
    }

    @Override
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : Set.copyOf(running)) {
            if (thread == Thread.currentThread()) {
                continue;
            }
            thread.interrupt();
        }
        for (Thread thread : Set.copyOf(running)) {
            if (thread == Thread.currentThread()) {
                continue;
            }
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
                    log.warn("background task {} still running after the scheduler closed", thread.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
