package dev.dynamicmcp.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The one owner of time and background work. Every timer, delay, periodic job and background task of the
 * proxy goes through an instance of this (created by the composition root, closed at shutdown), so that
 * production code never reads {@code System.nanoTime()}, {@code ThreadLocalRandom} or starts a raw thread,
 * and tests drive time-dependent logic with {@code FakeScheduler} (test sources) instead of sleeping.
 *
 * <p>Contract for tasks: a task started here must not hold a lock while it blocks, and must not throw (a
 * throwable escaping a task is logged and swallowed, never lost silently).
 */
public interface Scheduler extends AutoCloseable {
    /** Monotonic nanoseconds, for measuring durations and deadlines. */
    long nanoTime();

    /** Wall-clock time, for timestamps shown to people ({@code since}, {@code lastCheck}). */
    Clock clock();

    default Instant now() {
        return clock().instant();
    }

    /** A uniform random number in [0, 1), for jitter. */
    double random();

    /**
     * Runs {@code task} once after {@code delay} (zero or negative: as soon as possible). The task runs on a
     * virtual thread, never on the timer thread, so it may block.
     */
    Cancellable schedule(String name, Duration delay, Runnable task);

    /** Runs short background work now, on a virtual thread. */
    void execute(String name, Runnable task);

    /**
     * Starts a long-lived loop (a reader of a pipe or a stream) on a virtual thread named {@code name}. The
     * loop must end by itself when what it reads is closed; {@link #close} interrupts the ones still running.
     */
    Thread startLoop(String name, Runnable loop);

    /**
     * Like {@link #startLoop}, on a platform (daemon) thread: for a loop that spends its life blocked in a
     * read the JDK cannot park a virtual thread for (a process pipe). Such a read holds its carrier anyway
     * and makes the virtual-thread scheduler wake a spare carrier for each read; on a platform thread it just
     * blocks. Same contract as {@link #startLoop}. By default a virtual thread, for schedulers that do not
     * tell the two apart.
     */
    default Thread startPlatformLoop(String name, Runnable loop) {
        return startLoop(name, loop);
    }

    /** An executor view of {@link #execute}, for {@code CompletableFuture.*Async}. */
    default java.util.concurrent.Executor executor(String name) {
        return task -> execute(name, task);
    }

    /** Stops the timers, refuses new work, interrupts loops and waits at most {@code timeout} for tasks to end. */
    void close(Duration timeout);

    @Override
    default void close() {
        close(Duration.ofSeconds(5));
    }

    /** A scheduled task that can be called off. */
    interface Cancellable {
        Cancellable NONE = () -> false;

        /** True when this call stopped the task from running. */
        boolean cancel();
    }
}
