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
 * one writer that owns the HTTP response is woken through its {@link #reader} hook (called outside the lock),
 * takes what is new with {@link #take} and writes it asynchronously. The events of all streams of a handler
 * count against one {@link EventBudget}.
 */
final class EventStream {
    /** One message with its sequence number within the stream. */
    record Event(long seq, ObjectNode message) {
    }

    /** How far undelivered requests and responses may push the ring past its capacity. */
    static final int HARD_LIMIT_FACTOR = 4;

    /** What {@link #shed} gives up, in the order the {@link EventBudget} asks for it. */
    enum Shed {
        /** Notifications, of a stream that has no reader and never had one. */
        NEVER_READ_NOTIFICATIONS,
        /** Notifications and delivered events, of a stream that has no reader now. */
        UNREAD,
        /** Delivered events (the replay window), of any stream. */
        DELIVERED
    }

    private final int number;
    private final int capacity;
    private final EventBudget budget;
    /** Wakes the one writer of this stream; null while nobody writes it. Called outside the lock. */
    private volatile Runnable reader;
    private volatile boolean everRead;
    private volatile boolean released;
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
        this(number, capacity, EventBudget.unlimited());
    }

    EventStream(int number, int capacity, EventBudget budget) {
        this.number = number;
        this.capacity = Math.max(1, capacity);
        this.budget = budget;
        budget.register(this);
    }

    /** Makes {@code wake} the writer to call when something changes (null: nobody writes this stream now). */
    void reader(Runnable wake) {
        this.reader = wake;
        if (wake != null) {
            everRead = true;
        }
    }

    /** Clears {@code wake} if it is still the reader. */
    void releaseReader(Runnable wake) {
        if (reader == wake) {
            reader = null;
        }
    }

    private void wakeReader() {
        Runnable wake = reader;
        if (wake != null) {
            wake.run();
        }
    }

    /** This stream is discarded: its events leave the budget. Idempotent. */
    void release() {
        int count;
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            count = ring.size();
            ring.clear();
            complete = true;
        } finally {
            lock.unlock();
        }
        budget.unregister(this);
        budget.removed(count);
        wakeReader();
    }

    /** Gives up events as {@code what} says (see {@link Shed}); returns how many. */
    int shed(Shed what) {
        if (what != Shed.DELIVERED && reader != null || what == Shed.NEVER_READ_NOTIFICATIONS && everRead) {
            return 0;
        }
        int count = 0;
        lock.lock();
        try {
            for (java.util.Iterator<Event> events = ring.iterator(); events.hasNext(); ) {
                Event event = events.next();
                boolean delivered = event.seq() <= handedOut;
                boolean notification = !event.message().has("id");
                boolean drop = switch (what) {
                    case NEVER_READ_NOTIFICATIONS -> notification;
                    case UNREAD -> notification || delivered;
                    case DELIVERED -> delivered;
                };
                if (drop) {
                    events.remove();
                    count++;
                }
            }
            dropped += count;
        } finally {
            lock.unlock();
        }
        budget.removed(count);
        return count;
    }

    int number() {
        return number;
    }

    /** Appends a message; returns false when the stream is complete and takes no more messages. */
    boolean append(ObjectNode message) {
        int held = 1;
        lock.lock();
        try {
            if (complete) {
                return false;
            }
            ring.addLast(new Event(++lastSeq, message));
            while (ring.size() > capacity && evictOneLocked()) {
                dropped++;
                held--;
            }
            while (ring.size() > HARD_LIMIT_FACTOR * capacity) { // a client that never reads: bound the memory
                ring.removeFirst();
                dropped++;
                held--;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (held > 0) {
            budget.added(held);
        } else if (held < 0) {
            budget.removed(-held);
        }
        wakeReader();
        return true;
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
        wakeReader();
    }

    /** Wakes the readers without adding anything (a reader was replaced or its client went away). */
    void wakeUp() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeReader();
    }

    /**
     * The events after {@code afterSeq}, now, marked as handed to the writer; empty when there are none yet, or
     * null when the stream is complete and everything after {@code afterSeq} was taken already.
     */
    List<Event> take(long afterSeq) {
        lock.lock();
        try {
            if (complete && (lastSeq <= afterSeq || released)) {
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

    /** How many events the ring holds now. */
    int size() {
        lock.lock();
        try {
            return ring.size();
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
