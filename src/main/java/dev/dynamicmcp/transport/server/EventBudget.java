package dev.dynamicmcp.transport.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound on the events kept by all {@link EventStream}s of a handler together ({@code
 * proxy.limits.maxBufferedEvents}). Each stream bounds itself too, but 20,000 idle sessions with a few hundred
 * notifications each are millions of events: over the budget, events are given up in this order until 90% of it
 * is left: notifications of streams nobody reads and nobody ever read, then notifications and delivered events
 * of streams with no reader, then delivered events of every stream. A request or response that has not reached
 * its client is never given up here: dropping it would leave a peer waiting for an answer that cannot come.
 *
 * <p>Reclaiming walks every stream's events. When what is held cannot be given up (requests and responses on
 * their way to clients), the next walk waits until another tenth of the budget has come, or until the events
 * held are back within it: a walk per added event would make every append cost all the events held.
 */
final class EventBudget {
    private static final Logger log = LoggerFactory.getLogger(EventBudget.class);

    /** A budget that never reclaims (handlers built without limits). */
    static EventBudget unlimited() {
        return new EventBudget(Long.MAX_VALUE);
    }

    private final long max;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();
    private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
    /** Only one thread reclaims at a time; the others go on (the total may overshoot by what they add meanwhile). */
    private final ReentrantLock reclaiming = new ReentrantLock();
    private final AtomicBoolean warned = new AtomicBoolean();
    /** Above this total an append reclaims: the budget, or above what the last walk could not give up. */
    private volatile long reclaimAbove;
    private final AtomicLong walks = new AtomicLong();

    EventBudget(long max) {
        this.max = max;
        this.reclaimAbove = max;
    }

    long max() {
        return max;
    }

    /** Events held by all streams now. */
    long total() {
        return total.get();
    }

    /** Events given up to stay within the budget so far. */
    long reclaimed() {
        return reclaimed.get();
    }

    /** Times the streams were walked to give events up. */
    long walks() {
        return walks.get();
    }

    void register(EventStream stream) {
        streams.add(stream);
    }

    void unregister(EventStream stream) {
        streams.remove(stream);
    }

    /** A stream took {@code count} events; called without the stream's lock. */
    void added(int count) {
        if (total.addAndGet(count) > reclaimAbove) {
            reclaim();
        }
    }

    void removed(int count) {
        if (total.addAndGet(-count) <= max && reclaimAbove != max) {
            reclaimAbove = max; // back within the budget: the next event over it reclaims again
        }
    }

    private void reclaim() {
        if (!reclaiming.tryLock()) {
            return;
        }
        long before = total.get();
        long dropped = 0;
        int streamsTouched = 0;
        long target = max - max / 10;
        walks.incrementAndGet();
        try {
            for (EventStream.Shed pass : EventStream.Shed.values()) {
                for (EventStream stream : streams) {
                    if (total.get() <= target) {
                        break;
                    }
                    int n = stream.shed(pass);
                    if (n > 0) {
                        dropped += n;
                        streamsTouched++;
                    }
                }
            }
            long left = total.get();
            // what is left over the target could not be given up: walk again after another tenth of the budget
            reclaimAbove = left <= target ? max : left + Math.max(1, max / 10);
        } finally {
            reclaiming.unlock();
        }
        reclaimed.addAndGet(dropped);
        if (dropped > 0 && warned.compareAndSet(false, true)) {
            log.warn("buffered server messages reached proxy.limits.maxBufferedEvents ({}): gave up {} of {} events "
                    + "in {} streams, notifications of sessions that have no stream open first (said once; later "
                    + "ones at DEBUG)", max, dropped, before, streamsTouched);
        } else {
            log.debug("buffered events over {}: gave up {} in {} streams", max, dropped, streamsTouched);
        }
    }
}
