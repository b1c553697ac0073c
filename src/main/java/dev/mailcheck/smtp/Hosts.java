package dev.mailcheck.smtp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the prober knows about each MX address, shared by every domain that uses it: the sessions
 * open to it (at most {@code perHost}), whether it is dead (timed out or refused a connection), and
 * whether TLS works there. Work waits per address: a worker waiting here holds no global session
 * slot, and once the address is marked dead every waiter moves on at once.
 *
 * <p>An address's state is held, out of reach of the idle expiry and the bound, from {@link #of} until its
 * {@link Host#enter} fails or its {@link Host#leave}: a session holds its host for minutes (twenty transactions,
 * each maybe after a wait for a budget) without asking the cache, and a state let go meanwhile came back fresh,
 * with no session counted and not dead (Caffeine's pinning: weight 0 and no expiry, set by a compute).
 */
final class Hosts {

    static final Duration DEAD_FOR = Duration.ofMinutes(5);
    /** How often a waiter looks whether anyone still wants its answer (the checks' deadlines). */
    static final Duration WAIT_SLICE = Duration.ofSeconds(1);
    static final Duration IDLE_FOR = DEAD_FOR.multipliedBy(2);
    static final long MAX_HOSTS = 100_000;
    private static final Duration HELD = Duration.ofNanos(Long.MAX_VALUE);

    private final int perHost;
    private final Cache<InetAddress, Host> hosts;

    Hosts(int perHost) {
        this(perHost, Ticker.systemTicker(), MAX_HOSTS);
    }

    /** @param maxHosts how many addresses nobody holds are kept at most */
    Hosts(int perHost, Ticker ticker, long maxHosts) {
        this.perHost = perHost;
        // Idle entries expire; the bound keeps a long run over many hosts from growing without limit: held ones are
        // as many as the sessions and waiters. Upkeep on the calling thread: a few entries' worth, and no pool to
        // depend on.
        this.hosts = Caffeine.newBuilder().ticker(ticker).executor(Runnable::run)
                .maximumWeight(maxHosts).weigher((InetAddress a, Host h) -> h.holders > 0 ? 0 : 1)
                .expireAfter(Expiry.accessing((InetAddress a, Host h) -> h.holders > 0 ? HELD : IDLE_FOR)).build();
    }

    /** The address's state, held until its {@link Host#enter} fails or its {@link Host#leave}. */
    Host of(InetAddress address) {
        return hosts.asMap().compute(address, (a, h) -> {
            Host held = h != null ? h : new Host(a, perHost);
            held.holders++;
            return held;
        });
    }

    /** Addresses kept now, expired and evicted ones gone. */
    long size() {
        hosts.cleanUp();
        return hosts.estimatedSize();
    }

    final class Host {
        private final InetAddress address;
        private final int limit;
        /** Callers between {@link #of} and the end of their turn here; changed only in the cache's compute. */
        private volatile int holders;
        private final ReentrantLock lock = new ReentrantLock(); // not synchronized: waiting must not pin a virtual thread
        private final Condition changed = lock.newCondition();
        private int busy;
        private long deadUntil;
        private boolean dead;
        private volatile boolean tlsBroken;
        /** What the host did when it was marked dead for breaking the protocol; null for a timeout or refusal. */
        private String brokeProtocol;

        private Host(InetAddress address, int limit) {
            this.address = address;
            this.limit = limit;
        }

        /**
         * Waits for a session slot. False, at once, when the address is dead or is marked dead while
         * waiting, or when {@code wanted} says nobody waits for the answer any more.
         */
        boolean enter(BooleanSupplier wanted) {
            boolean entered = false;
            lock.lock();
            try {
                while (true) {
                    if (isDead()) {
                        return false;
                    }
                    if (busy < limit) {
                        busy++;
                        entered = true;
                        return true;
                    }
                    if (!wanted.getAsBoolean()) {
                        return false;
                    }
                    changed.awaitNanos(WAIT_SLICE.toNanos());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                lock.unlock();
                if (!entered) {
                    release();
                }
            }
        }

        /** Gives the session slot back, and the hold {@link #of} took. */
        void leave() {
            lock.lock();
            try {
                busy--;
                changed.signal();
            } finally {
                lock.unlock();
            }
            release();
        }

        /** Outside the host's lock: the cache's compute takes a lock of its own. */
        private void release() {
            hosts.asMap().computeIfPresent(address, (a, h) -> {
                h.holders--;
                return h;
            });
        }

        /**
         * Skipped for {@link #DEAD_FOR}; everyone waiting for this address gives up now.
         *
         * @param brokeProtocol what the host did when it answered but broke the protocol, or null when it
         *                      timed out or refused the connection
         */
        void markDead(String brokeProtocol) {
            lock.lock();
            try {
                this.brokeProtocol = brokeProtocol;
                dead = true;
                deadUntil = System.nanoTime() + DEAD_FOR.toNanos();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        boolean isDead() {
            lock.lock();
            try {
                return dead && System.nanoTime() - deadUntil < 0;
            } finally {
                lock.unlock();
            }
        }

        /** What the host did if it is dead for breaking the protocol, else null. */
        String brokeProtocol() {
            lock.lock();
            try {
                return isDead() ? brokeProtocol : null;
            } finally {
                lock.unlock();
            }
        }

        boolean tlsBroken() {
            return tlsBroken;
        }

        /** The TLS handshake failed here: plain SMTP from now on (opportunistic TLS). */
        void markTlsBroken() {
            tlsBroken = true;
        }
    }

    /**
     * Sleeps until {@code left} is no longer positive, in slices so that the wait ends once {@code wanted} says
     * nobody waits for its answer any more (false then, and when interrupted).
     */
    static boolean sleepUntil(Supplier<Duration> left, BooleanSupplier wanted) {
        try {
            for (Duration d; (d = left.get()).isPositive(); ) {
                if (!wanted.getAsBoolean()) {
                    return false;
                }
                Thread.sleep(d.compareTo(WAIT_SLICE) < 0 ? d : WAIT_SLICE);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A global slot, waited for in slices so that a wait ends once nobody wants its answer. */
    static boolean acquire(java.util.concurrent.Semaphore slots, BooleanSupplier wanted) {
        try {
            while (!slots.tryAcquire(WAIT_SLICE.toNanos(), TimeUnit.NANOSECONDS)) {
                if (!wanted.getAsBoolean()) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
