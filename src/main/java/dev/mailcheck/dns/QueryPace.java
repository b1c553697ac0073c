package dev.mailcheck.dns;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * When the next DNS packet may go out: at most {@code qps} a second (0 for no budget), spaced evenly
 * (a resolver's rate limit, like the VPC resolver's per network interface, counts packets, not bursts),
 * and later still while the resolver seems to throttle. Throttling shows as a run of timeouts, REFUSED
 * or SERVFAIL with no good answer between that are also most of the last {@link #WINDOW} outcomes; from the
 * {@link #BURST}th such failure on, every send waits a pause from when it is asked for that doubles with each
 * further failure (up to {@link #MAX_PAUSE_NANOS}), and the first good answer ends it. The slots in flight then
 * bound the rate: {@code maxInFlight} per pause. Broken zones cost nothing: a list where 3% of the domains answer
 * SERVFAIL, asked 256 at a time, met three of them in a row about once in 37,000 answers, and the pauses that
 * started pushed every query then waiting past its deadline: 200 to 600 lookups of a 1,000,000-address list ended
 * "no answer" and the run waited 5 s for them. At a list's start three failures are all there is to judge by,
 * so such a list still backs off until its first good answer: the sends of that moment wait one pause each,
 * never a queue of pauses added one after another (which pushed them past their deadline).
 */
final class QueryPace {

    static final int BURST = 3;
    /** Outcomes looked back on: a resolver that starts throttling is backed off from at its 17th failure in a row. */
    static final int WINDOW = 32;
    static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long interval;
    private final ReentrantLock lock = new ReentrantLock();
    private long nextFree = System.nanoTime();
    private int failures;
    /** The last {@link #WINDOW} outcomes, a bit each (1: a failure), the newest lowest; {@code seen} of them so far. */
    private long recent;
    private int seen;

    QueryPace(int qps) {
        this.interval = qps <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / qps;
    }

    /**
     * Reserves the next send if it can go within {@code withinNanos}; returns how long the caller must wait
     * before sending it (0 for now), or -1, reserving nothing, when the budget has no room for it that soon.
     */
    long reserve(long withinNanos) {
        lock.lock();
        try {
            long now = System.nanoTime();
            long pause = !throttled() ? 0 : Math.min(MAX_PAUSE_NANOS, FIRST_PAUSE_NANOS << Math.min(20, failures - BURST));
            // The pause runs from now, not after the sends already waiting: sends asked for at once share it.
            long at = Math.max(now + pause, nextFree);
            if (interval == 0 && pause == 0) {
                return 0;
            }
            if (at - now > withinNanos) {
                return -1;
            }
            nextFree = at + interval;
            return at - now;
        } finally {
            lock.unlock();
        }
    }

    /** A timeout, REFUSED or SERVFAIL: one more in the run that may be throttling. */
    void failed() {
        lock.lock();
        try {
            failures++;
            outcome(1);
        } finally {
            lock.unlock();
        }
    }

    /** A good answer (records, no data, no such domain): the resolver is not throttling. */
    void answered() {
        lock.lock();
        try {
            failures = 0;
            outcome(0);
        } finally {
            lock.unlock();
        }
    }

    /** Whether sends wait now for a run of failures (for tests and the progress line). */
    boolean backingOff() {
        lock.lock();
        try {
            return throttled();
        } finally {
            lock.unlock();
        }
    }

    private void outcome(long failure) {
        recent = (recent << 1 | failure) & ((1L << WINDOW) - 1);
        seen = Math.min(WINDOW, seen + 1);
    }

    /** Under the lock. */
    private boolean throttled() {
        return failures >= BURST && 2 * Long.bitCount(recent) > seen;
    }
}
