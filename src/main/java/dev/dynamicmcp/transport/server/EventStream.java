package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The messages of one server-to-client stream, numbered 1, 2, 3… and kept in a bounded ring so that a client
 * whose connection broke can resume after the last event it saw. Producers {@link #append} without I/O; the
 * one thread that owns the HTTP response reads with {@link #awaitAfter} and writes outside the lock.
 */
final class EventStream {
    /** One message with its sequence number within the stream. */
    record Event(long seq, ObjectNode message) {
    }

    /** How far undelivered requests and responses may push the ring past its capacity. */
    static final int HARD_LIMIT_FACTOR = 4;

    private final int number;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private final ArrayDeque<Event> ring = new ArrayDeque<>();
    private long lastSeq;
    /** The newest event handed to a writer: everything up to it reached the connection at least once. */
    private long handedOut;
    private boolean complete;
    private long dropped;

    /**
     * @param number   the stream's number within its session (0 = the standalone GET stream); part of event ids
     * @param capacity how many recent events are kept for replay and for a client that is not connected yet
     */
    EventStream(int number, int capacity) {
        this.number = number;
        this.capacity = Math.max(1, capacity);
    }

    int number() {
        return number;
    }

    /** Appends a message; returns false when the stream is complete and takes no more messages. */
    boolean append(ObjectNode message) {
        lock.lock();
        try {
            if (complete) {
                return false;
            }
            ring.addLast(new Event(++lastSeq, message));
            while (ring.size() > capacity && evictOneLocked()) {
                dropped++;
            }
            while (ring.size() > HARD_LIMIT_FACTOR * capacity) { // a client that never reads: bound the memory
                ring.removeFirst();
                dropped++;
            }
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes room: the oldest event that was already handed to a writer, or else the oldest notification. A
     * request or response that never reached the client stays beyond the capacity (dropping it would leave a
     * peer waiting for an answer that cannot come), up to {@link #HARD_LIMIT_FACTOR} times the capacity.
     */
    private boolean evictOneLocked() {
        for (java.util.Iterator<Event> events = ring.iterator(); events.hasNext(); ) {
            Event event = events.next();
            if (event.seq() <= handedOut || !event.message().has("id")) {
                events.remove();
                return true;
            }
        }
        return false;
    }

    /** No more events will come; readers drain what is left and stop. */
    void complete() {
        lock.lock();
        try {
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the readers without adding anything (a reader was replaced or its client went away). */
    void wakeUp() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isComplete() {
        lock.lock();
        try {
            return complete;
        } finally {
            lock.unlock();
        }
    }

    long lastSeq() {
        lock.lock();
        try {
            return lastSeq;
        } finally {
            lock.unlock();
        }
    }

    /** How many events fell out of the ring so far (a client that never came, or came too late, lost them). */
    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeout} for events after {@code afterSeq}. Returns them (possibly none, on timeout or
     * when {@code stillWanted} turned false), or null when the stream is complete and everything after
     * {@code afterSeq} was returned already.
     */
    List<Event> awaitAfter(long afterSeq, Duration timeout, java.util.function.BooleanSupplier stillWanted)
            throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (lastSeq <= afterSeq && !complete && nanos > 0 && stillWanted.getAsBoolean()) {
                nanos = changed.awaitNanos(nanos);
            }
            if (lastSeq <= afterSeq && complete) {
                return null;
            }
            List<Event> events = after(afterSeq);
            if (!events.isEmpty()) {
                handedOut = Math.max(handedOut, events.get(events.size() - 1).seq());
            }
            return events;
        } finally {
            lock.unlock();
        }
    }

    /** The kept events after {@code afterSeq}, oldest first. */
    List<Event> after(long afterSeq) {
        lock.lock();
        try {
            List<Event> events = new ArrayList<>();
            for (Event event : ring) {
                if (event.seq() > afterSeq) {
                    events.add(event);
                }
            }
            return events;
        } finally {
            lock.unlock();
        }
    }

    /** The SSE event id: unique across all streams of a session, as the spec asks. */
    String eventId(long seq) {
        return number + "-" + seq;
    }

    /** Parses an event id made by {@link #eventId}: {stream number, seq}, or null when it is not one of ours. */
    static long[] parseEventId(String id) {
        if (id == null) {
            return null;
        }
        int dash = id.indexOf('-');
        if (dash <= 0) {
            return null;
        }
        try {
            return new long[] {Integer.parseInt(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
