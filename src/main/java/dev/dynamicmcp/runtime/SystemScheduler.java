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
 *
 * <p>Timers of {@link #COARSE_FROM} or more (request timeouts: one per proxied call, nearly always cancelled)
 * share slots {@link #SLOT} wide: a task runs at the end of its slot, so up to that much late and never early.
 * Scheduling one adds it to its slot's set and cancelling removes it; neither touches the timer's queue, whose
 * lock and wake-up of the timer thread (once per call when calls come one at a time) were a measurable part of
 * each call. Only a new slot enters the queue: at most one timer entry per slot, however many calls.
 */
public final class SystemScheduler implements Scheduler {
    private static final Logger log = LoggerFactory.getLogger(SystemScheduler.class);

    private final ScheduledThreadPoolExecutor timer;
    private final Clock clock;
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    static final Duration COARSE_FROM = Duration.ofSeconds(1);
    static final Duration SLOT = Duration.ofMillis(50);
    private final long coarseFromNanos;
    private final long slotNanos;
    /** Slot index (due nanoTime / SLOT, rounded up) to the coarse timers due in it. */
    private final ConcurrentHashMap<Long, Slot> slots = new ConcurrentHashMap<>();

    public SystemScheduler() {
        this(Clock.systemUTC());
    }

    public SystemScheduler(Clock clock) {
        this(clock, COARSE_FROM, SLOT);
    }

    /** With other coarse-timer bounds (tests: a coarse timer in milliseconds). */
    SystemScheduler(Clock clock, Duration coarseFrom, Duration slot) {
        this.clock = clock;
        this.coarseFromNanos = coarseFrom.toNanos();
        this.slotNanos = slot.toNanos();
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
        if (nanos >= coarseFromNanos) {
            return scheduleCoarse(name, nanos, task);
        }
        try {
            ScheduledFuture<?> future = timer.schedule(() -> execute(name, task), nanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException e) {
            return Cancellable.NONE; // closing
        }
    }

    private Cancellable scheduleCoarse(String name, long nanos, Runnable task) {
        long index = Math.ceilDiv(System.nanoTime() + nanos, slotNanos);
        Slot slot = slots.computeIfAbsent(index, this::newSlot);
        CoarseTimer entry = new CoarseTimer(name, task);
        slot.timers.add(entry);
        if (slot.fired && slot.timers.remove(entry)) {
            // the slot ran while we were adding: its time (at or after ours) has come, so run now
            execute(name, task);
            return Cancellable.NONE;
        }
        return () -> slot.timers.remove(entry);
    }

    private Slot newSlot(long index) {
        Slot slot = new Slot();
        long delay = Math.max(0, index * slotNanos - System.nanoTime());
        try {
            timer.schedule(() -> fire(index, slot), delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closing: the slot never fires, as no timer would
        }
        return slot;
    }

    private void fire(long index, Slot slot) {
        slots.remove(index, slot);
        slot.fired = true;
        for (CoarseTimer entry : slot.timers) {
            if (slot.timers.remove(entry)) { // whoever removes an entry runs or cancels it, exactly once
                execute(entry.name, entry.task);
            }
        }
    }

    /** The coarse timers due at the end of one slot. */
    private static final class Slot {
        final Set<CoarseTimer> timers = ConcurrentHashMap.newKeySet();
        volatile boolean fired;
    }

    /** Identity matters: two timers with the same name and task are two entries. */
    private record CoarseTimer(String name, Runnable task) {
        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
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
        return start(Thread.ofVirtual().name(name), name, loop);
    }

    @Override
    public Thread startPlatformLoop(String name, Runnable loop) {
        return start(Thread.ofPlatform().daemon(true).name(name), name, loop);
    }

    private Thread start(String name, Runnable task) {
        return start(Thread.ofVirtual().name(name), name, task);
    }

    private Thread start(Thread.Builder builder, String name, Runnable task) {
        Thread thread = builder.unstarted(() -> {
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
