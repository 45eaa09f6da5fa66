package dev.dynamicmcp.testsupport;

import dev.dynamicmcp.runtime.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;

/**
 * A {@link Scheduler} whose clock only moves when a test says so (OkHttp's {@code TaskFaker} is the model).
 * Timers fire in deadline order, on the test's thread, inside {@link #advance}; so a test of backoff, health
 * checks, breaker delays, expiry or timeouts states "after 30 s this happens" without sleeping a millisecond.
 *
 * <p>{@link #execute} runs background work on a real virtual thread by default (connects and I/O are real in
 * most tests), or, with {@link #runTasksInline}, on the caller's thread. Loops ({@link #startLoop}) always
 * run on real threads: they read real pipes and streams.
 */
public final class FakeScheduler implements Scheduler {
    private record Timer(long at, long seq, String name, Runnable task, AtomicBoolean cancelled) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) ->
            a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong seq = new AtomicLong();
    private final Instant epoch;
    private final List<String> fired = new ArrayList<>();
    private final ConcurrentLinkedQueue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> platformLoops = new ConcurrentLinkedQueue<>();
    private volatile DoubleSupplier random = () -> 0.5;
    private volatile boolean inline;
    private volatile boolean closed;

    public FakeScheduler() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public FakeScheduler(Instant epoch) {
        this.epoch = epoch;
    }

    /** Jitter source; 0.5 (no jitter) by default. */
    public FakeScheduler random(DoubleSupplier source) {
        this.random = source;
        return this;
    }

    /** Run {@link #execute} tasks on the caller's thread (fully deterministic tests of pure logic). */
    public FakeScheduler runTasksInline() {
        this.inline = true;
        return this;
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Clock clock() {
        Instant now = epoch.plusNanos(nanos.get() - 1_000_000_000L);
        return Clock.fixed(now, ZoneOffset.UTC);
    }

    @Override
    public double random() {
        return random.getAsDouble();
    }

    @Override
    public Cancellable schedule(String name, Duration delay, Runnable task) {
        if (closed) {
            return Cancellable.NONE;
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        lock.lock();
        try {
            timers.add(new Timer(nanos.get() + Math.max(0, delay.toNanos()), seq.incrementAndGet(), name, task, cancelled));
        } finally {
            lock.unlock();
        }
        return () -> cancelled.compareAndSet(false, true);
    }

    @Override
    public void execute(String name, Runnable task) {
        if (closed) {
            return;
        }
        if (inline) {
            task.run();
        } else {
            threads.add(Thread.ofVirtual().name(name).start(task));
        }
    }

    @Override
    public Thread startLoop(String name, Runnable loop) {
        Thread thread = Thread.ofVirtual().name(name).start(loop);
        threads.add(thread);
        return thread;
    }

    @Override
    public Thread startPlatformLoop(String name, Runnable loop) {
        Thread thread = Thread.ofPlatform().daemon(true).name(name).start(loop);
        threads.add(thread);
        platformLoops.add(name);
        return thread;
    }

    /** Names of the loops started on platform threads ({@link #startPlatformLoop}), oldest first. */
    public List<String> platformLoops() {
        return List.copyOf(platformLoops);
    }

    /**
     * Moves the clock forward by {@code by}, running every timer that falls due on the way, in deadline
     * order, with the clock set to each timer's deadline while it runs (timers a task schedules within the
     * window fire too).
     */
    public void advance(Duration by) {
        long target = nanos.get() + by.toNanos();
        while (true) {
            Timer next;
            lock.lock();
            try {
                next = timers.peek();
                if (next == null || next.at > target) {
                    break;
                }
                timers.poll();
            } finally {
                lock.unlock();
            }
            if (next.cancelled.get()) {
                continue;
            }
            nanos.accumulateAndGet(next.at, Math::max);
            synchronized (fired) {
                fired.add(next.name);
            }
            next.task.run();
        }
        nanos.accumulateAndGet(target, Math::max);
    }

    /** Runs the timers that are due now (a zero-delay schedule) without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Time until the earliest pending timer, or null when none is pending. */
    public Duration nextDelay() {
        lock.lock();
        try {
            timers.removeIf(t -> t.cancelled.get());
            Timer next = timers.peek();
            return next == null ? null : Duration.ofNanos(Math.max(0, next.at - nanos.get()));
        } finally {
            lock.unlock();
        }
    }

    /** Names of the timers pending now, earliest first. */
    public List<String> pending() {
        lock.lock();
        try {
            return timers.stream().filter(t -> !t.cancelled.get())
                    .sorted((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq))
                    .map(Timer::name).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Names of the timers that have fired, in order. */
    public List<String> fired() {
        synchronized (fired) {
            return List.copyOf(fired);
        }
    }

    @Override
    public void close(Duration timeout) {
        closed = true;
        lock.lock();
        try {
            timers.clear();
        } finally {
            lock.unlock();
        }
        threads.forEach(Thread::interrupt);
    }
}
