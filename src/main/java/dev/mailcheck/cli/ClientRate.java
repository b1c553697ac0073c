package dev.mailcheck.cli;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A per-client limit on {@code serve}'s check routes ({@code --client-rate N/min}): a token bucket per client
 * address that holds {@code perMinute} checks and refills at that rate. Each address checked costs one check,
 * charged once the request says how many it asks for. A request is served while the client has at least one
 * check left, even if it asks for more: the bucket then goes into debt, and the client's next requests wait
 * until it is paid off (a batch larger than the bucket would otherwise be refused for ever). An IPv6 client is
 * one /64 (one host often has a whole /64). A bucket is kept until it would be full again, so going quiet does
 * not clear a debt, and at most {@link #MAX_CLIENTS} of them: a client forgotten early only gets a full bucket
 * back.
 */
final class ClientRate {

    static final int MAX_CLIENTS = 100_000;
    /** Keeps a full bucket (a minute's nanoseconds per check) within a long. */
    static final long MAX_PER_MINUTE = 1_000_000;
    private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

    private final long perMinute;
    /** A full bucket: one check costs a minute's nanoseconds, so refill stays in integers. */
    private final long full;
    private final LongSupplier nanoTime;
    private final Cache<String, Bucket> buckets;

    /** The level at a time; below zero, a debt. */
    private record Bucket(long level, long at) {
    }

    ClientRate(long perMinute) {
        this(perMinute, System::nanoTime);
    }

    ClientRate(long perMinute, LongSupplier nanoTime) {
        if (perMinute <= 0 || perMinute > MAX_PER_MINUTE) {
            throw new IllegalArgumentException("the rate must be from 1 to " + MAX_PER_MINUTE + " per minute");
        }
        this.perMinute = perMinute;
        this.full = MINUTE_NANOS * perMinute;
        this.nanoTime = nanoTime;
        this.buckets = Caffeine.newBuilder().maximumSize(MAX_CLIENTS).ticker(nanoTime::getAsLong)
                .expireAfter(new Expiry<String, Bucket>() {
                    // A bucket that would be full by now is one a new client gets: forgetting it changes nothing.
                    @Override
                    public long expireAfterCreate(String key, Bucket b, long now) {
                        return untilFull(b.level());
                    }

                    @Override
                    public long expireAfterUpdate(String key, Bucket b, long now, long currentDuration) {
                        return untilFull(b.level());
                    }

                    @Override
                    public long expireAfterRead(String key, Bucket b, long now, long currentDuration) {
                        return currentDuration;
                    }
                }).build();
    }

    /**
     * Takes {@code checks} checks from the client's bucket if it holds at least one: empty when served, else how
     * long until it holds one again (the Retry-After that is then true, if the client asks nothing meanwhile).
     */
    Optional<Duration> take(String clientAddress, long checks) {
        long cost = Math.multiplyExact(MINUTE_NANOS, checks);
        long now = nanoTime.getAsLong();
        Duration[] wait = {null};
        buckets.asMap().compute(key(clientAddress), (k, b) -> {
            long level = level(b, now);
            if (level < MINUTE_NANOS) {
                wait[0] = untilOne(level);
                return new Bucket(level, now);
            }
            return new Bucket(level - cost, now);
        });
        return Optional.ofNullable(wait[0]);
    }

    /** Without taking anything: empty when the client has a check left, else how long until it has. */
    Optional<Duration> waitFor(String clientAddress) {
        Bucket b = buckets.getIfPresent(key(clientAddress));
        long level = level(b, nanoTime.getAsLong());
        return level < MINUTE_NANOS ? Optional.of(untilOne(level)) : Optional.empty();
    }

    /** The bucket's level at {@code now}, refilled since it was last used (full for a client not seen). */
    private long level(Bucket b, long now) {
        if (b == null) {
            return full;
        }
        // Clamped to the time it takes to fill, so that the product stays within a long.
        return Math.min(full, b.level() + Math.clamp(now - b.at(), 0, untilFull(b.level())) * perMinute);
    }

    private long untilFull(long level) {
        return Math.ceilDiv(full - level, perMinute);
    }

    private Duration untilOne(long level) {
        return Duration.ofNanos(Math.ceilDiv(MINUTE_NANOS - level, perMinute));
    }

    private static String key(String address) {
        if (address.indexOf(':') < 0) {
            return address; // IPv4
        }
        try {
            // An IPv6 literal (Vert.x gives the peer's address as one): parsed, never looked up.
            byte[] prefix = InetAddress.getByName(address).getAddress();
            if (prefix.length != 16) {
                return address;
            }
            Arrays.fill(prefix, 8, 16, (byte) 0);
            return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
