package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The lines on their way to the stdio client, written in order by one scheduler task at a time. Whoever
 * produces a message — the HTTP client's thread delivering an upstream's answer, a stdio upstream's reader —
 * only queues it: a client that stops reading its stdout holds up its own output, never a thread every
 * upstream shares. Memory stays bounded: past {@link #MAX_QUEUED_BYTES} not yet written, producers wait
 * for room (the client is not reading; pressing on would only queue more).
 */
final class StdioOutput {
    static final long MAX_QUEUED_BYTES = 16L * 1024 * 1024;

    private final OutputStream out;
    private final Scheduler scheduler;
    private final Consumer<IOException> onFailure;
    private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final ReentrantLock roomLock = new ReentrantLock();
    private final Condition room = roomLock.newCondition();
    /** Producers waiting for room; counted before they look, so a drain that frees room after sees them. */
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile IOException failed;

    /** @param onFailure told once when a write fails (the client is gone); later writes throw that failure */
    StdioOutput(OutputStream out, Scheduler scheduler, Consumer<IOException> onFailure) {
        this.out = out;
        this.scheduler = scheduler;
        this.onFailure = onFailure;
    }

    /** Queues one message (without its newline); returns at once unless the client has stopped reading. */
    void write(byte[] line) throws IOException {
        IOException failure = failed;
        if (failure != null) {
            throw new IOException("writing to the stdio client failed: " + failure.getMessage(), failure);
        }
        long queued = queuedBytes.addAndGet(line.length + 1);
        queue.add(line);
        if (draining.compareAndSet(false, true)) {
            scheduler.execute("stdio-writer", this::drain);
        }
        if (queued > MAX_QUEUED_BYTES) {
            awaitRoom();
        }
    }

    private void drain() {
        try {
            do {
                byte[] line;
                while ((line = queue.poll()) != null) {
                    out.write(line);
                    out.write('\n');
                    if (queuedBytes.addAndGet(-(line.length + 1)) <= MAX_QUEUED_BYTES) {
                        signalRoom();
                    }
                }
                out.flush(); // once per batch: lines queued meanwhile go out together
                draining.set(false);
                // a line queued after the last poll and before the flag was cleared found the flag set
            } while (!queue.isEmpty() && draining.compareAndSet(false, true));
        } catch (IOException e) {
            failed = e;
            queue.clear();
            queuedBytes.set(0);
            signalRoom();
            onFailure.accept(e);
        }
    }

    private void awaitRoom() throws IOException {
        waiting.incrementAndGet();
        roomLock.lock();
        try {
            while (queuedBytes.get() > MAX_QUEUED_BYTES && failed == null) {
                room.await(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the stdio client to read");
        } finally {
            roomLock.unlock();
            waiting.decrementAndGet();
        }
    }

    private void signalRoom() {
        if (waiting.get() == 0) {
            return; // the usual case: nobody waits for room
        }
        roomLock.lock();
        try {
            room.signalAll();
        } finally {
            roomLock.unlock();
        }
    }
}
