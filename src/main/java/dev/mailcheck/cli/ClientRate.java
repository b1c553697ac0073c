package dev.mailcheck.cli;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A per-client limit on {@code serve}'s check routes ({@code --client-rate N/min}): a token bucket per client
 * address that holds {@code perMinute} checks and refills at that rate, so a burst of a minute's worth passes
 * and a steady stream above it gets 429. An IPv6 client is one /64 (one host often has a whole /64). The
 * buckets are kept for a minute after their last use and at most {@link #MAX_CLIENTS} of them: a client
 * forgotten early only gets a full bucket back.
 */
final class ClientRate {

    static final int MAX_CLIENTS = 100_000;
    /** Keeps a full bucket (a minute's nanoseconds per check) within a long. */
    static final long MAX_PER_MINUTE = 1_000_000;
    private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

    private final long perMinute;
    private final LongSupplier nanoTime;
    private final Cache<String, Bucket> buckets;

    /** Tokens, in units of 1/perMinute of a minute's nanoseconds, so refill stays in integers. */
    private static final class Bucket {
        long level;
        long at;

        Bucket(long level, long at) {
            this.level = level;
            this.at = at;
        }
    }

    ClientRate(long perMinute) {
        this(perMinute, System::nanoTime);
    }

    ClientRate(long perMinute, LongSupplier nanoTime) {
        if (perMinute <= 0 || perMinute > MAX_PER_MINUTE) {
            throw new IllegalArgumentException("the rate must be from 1 to " + MAX_PER_MINUTE + " per minute");
        }
        this.perMinute = perMinute;
        this.nanoTime = nanoTime;
        this.buckets = Caffeine.newBuilder().maximumSize(MAX_CLIENTS).expireAfterAccess(Duration.ofMinutes(1)).build();
    }

    /** Takes one check from the client's bucket: empty when allowed, else how long until the next one is. */
    Optional<Duration> take(String clientAddress) {
        long now = nanoTime.getAsLong();
        // One token costs a minute's nanoseconds; the bucket holds perMinute of them.
        long full = MINUTE_NANOS * perMinute;
        Bucket b = buckets.get(key(clientAddress), k -> new Bucket(full, now));
        synchronized (b) {
            b.level = Math.min(full, b.level + Math.clamp(now - b.at, 0, MINUTE_NANOS) * perMinute);
            b.at = now;
            if (b.level >= MINUTE_NANOS) {
                b.level -= MINUTE_NANOS;
                return Optional.empty();
            }
            long missing = MINUTE_NANOS - b.level;
            return Optional.of(Duration.ofNanos((missing + perMinute - 1) / perMinute));
        }
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
