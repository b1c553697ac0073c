package dev.mailcheck.smtp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;

/**
 * Budgets in one process. No rate limiter is on the classpath (Guava's RateLimiter would be the one
 * well-kept choice, and Guava is not a dependency), so this is the generic cell rate algorithm: per key,
 * the time at which the budget is next free; each reservation starts there (or now) and moves it on by
 * its events' share of a minute. Events are spread evenly, with no burst, which is what a remote host's
 * rate limit counts. The same one-value state suits a shared store (one conditional write per reservation).
 */
public final class LocalRateBudget implements RateBudget {

    // Keys idle for an hour hold no reservation worth keeping (a budget is at most a minute or so ahead).
    private final Cache<String, Instant> nextFree = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofHours(1)).maximumSize(100_000).build();

    @Override
    public Instant reserve(String key, int permits, int perMinute, Instant now) {
        Duration share = RateBudget.share(permits, perMinute);
        Instant[] start = new Instant[1];
        nextFree.asMap().compute(key, (k, free) -> {
            start[0] = free == null || free.isBefore(now) ? now : free;
            return start[0].plus(share);
        });
        return start[0];
    }

    @Override
    public Instant nextFree(String key) {
        Instant free = nextFree.getIfPresent(key);
        return free != null ? free : Instant.EPOCH;
    }
}
