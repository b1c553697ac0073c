package dev.mailcheck.dns;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * At most a given number of queries at once, without a thread waiting for a slot: a query that finds
 * none waits as a queued start, and whoever frees a slot (usually a socket reader that has just
 * completed an answer) starts the next one on its own thread. A blocking semaphore would need a thread
 * per waiting lookup, and a socket reader could not wait on one at all: it is what frees the slots.
 * Follow-up queries (an MX host's addresses) go first, since they finish domains already begun.
 * Once closed, every queued start and every later one runs at once, so that each fails on the closed
 * transport and completes its lookup.
 */
final class QuerySlots {

    private final Semaphore free;
    private final Queue<Runnable> followUps = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> fresh = new ConcurrentLinkedQueue<>();
    /** Starts run in a loop, not nested: a start that completes at once frees its slot in the same loop. */
    private final ThreadLocal<Boolean> draining = ThreadLocal.withInitial(() -> false);
    private volatile boolean closed;

    QuerySlots(int slots) {
        this.free = new Semaphore(slots);
    }

    /** Runs {@code start} now or once a slot is free; it must arrange for {@link #release} when its query is done. */
    void start(boolean followUp, Runnable start) {
        (followUp ? followUps : fresh).add(start);
        drain();
    }

    void release() {
        free.release();
        drain();
    }

    void close() {
        closed = true;
        drain();
    }

    int waiting() {
        return followUps.size() + fresh.size();
    }

    private void drain() {
        if (draining.get()) {
            return;
        }
        draining.set(true);
        try {
            // Queue first, then look for a slot; release frees a slot, then looks at the queue: whichever
            // comes second sees the other, so no start is left waiting while a slot is free.
            while (!(followUps.isEmpty() && fresh.isEmpty())) {
                boolean slot = closed || free.tryAcquire();
                if (!slot) {
                    return;
                }
                Runnable next = followUps.poll();
                if (next == null) {
                    next = fresh.poll();
                }
                if (next == null) {
                    free.release();
                } else {
                    next.run();
                }
            }
        } finally {
            draining.set(false);
        }
    }
}
