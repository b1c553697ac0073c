package dev.mailcheck.dns;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * When the next DNS packet may go out: at most {@code qps} a second (0 for no budget), spaced evenly
 * (a resolver's rate limit, like the VPC resolver's per network interface, counts packets, not bursts),
 * and later still while the resolver seems to throttle. Throttling shows as a run of timeouts, REFUSED
 * or SERVFAIL with no good answer between; from the {@link #BURST}th such failure on, every send waits a
 * pause that doubles with each further one (up to {@link #MAX_PAUSE_NANOS}), and the first good answer
 * ends it. A lone SERVFAIL (one broken zone) costs nothing.
 */
final class QueryPace {

    static final int BURST = 3;
    static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long interval;
    private final ReentrantLock lock = new ReentrantLock();
    private long nextFree = System.nanoTime();
    private int failures;

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
            long pause = failures < BURST ? 0 : Math.min(MAX_PAUSE_NANOS, FIRST_PAUSE_NANOS << Math.min(20, failures - BURST));
            long at = Math.max(now, nextFree) + pause;
            if (interval == 0 && pause == 0) {
                return 0;
            }
            if (at - now > withinNanos) {
                return -1;
            }
            nextFree = Math.max(at, nextFree) + interval;
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
        } finally {
            lock.unlock();
        }
    }

    /** A good answer (records, no data, no such domain): the resolver is not throttling. */
    void answered() {
        lock.lock();
        try {
            failures = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Whether sends wait now for a run of failures (for tests and the progress line). */
    boolean backingOff() {
        lock.lock();
        try {
            return failures >= BURST;
        } finally {
            lock.unlock();
        }
    }
}
