package dev.mailcheck.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Policy.VarExpiration;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Lookups shared by key: at most one in flight per key, its result kept for the TTL the result gives
 * (0: not kept), at most {@code maxSize} results. Caffeine's AsyncCache does both in one, but keeps
 * in-flight entries in its eviction window at weight 0 and walks past all of them on every maintenance
 * run: with a batch's 80,000 domains in flight at once that was a third of the DNS stage's CPU. Here
 * in-flight lookups live in a plain map and only finished ones in Caffeine.
 *
 * <p>Kept results are read quietly (no access recorded; expiry still applies): the bookkeeping of a recorded read,
 * and the upkeep it sets off every few reads, was a tenth of the DNS answers thread's time on a list of new domains,
 * whose MX hosts are read twice per domain. What it costs: when the cache is full, a result read often has no
 * better claim to stay than one read once; it is asked again after eviction, one query.
 */
final class SharedLookups<K, V> {

    private final Map<K, CompletableFuture<V>> running = new ConcurrentHashMap<>();
    private final Cache<K, CompletableFuture<V>> done;
    private final VarExpiration<K, CompletableFuture<V>> expiry;
    private final Policy<K, CompletableFuture<V>> policy;
    private final ToLongFunction<V> ttlSeconds;

    /** @param ttlSeconds how long a result may be reused; failed lookups are never kept */
    SharedLookups(long maxSize, Ticker ticker, ToLongFunction<V> ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
        // Every entry is put with its own duration (below); this one is never used.
        // Upkeep on the writing thread, not handed to the common pool after every few puts.
        this.done = Caffeine.newBuilder().maximumSize(maxSize).ticker(ticker).executor(Runnable::run)
                .expireAfter(Expiry.creating((K k, CompletableFuture<V> f) -> Duration.ZERO)).build();
        this.policy = done.policy();
        this.expiry = policy.expireVariably().orElseThrow();
    }

    /**
     * The result for {@code key}: a kept one, the one in flight, or {@code load}'s, which is started
     * outside any lock (it may wait for a free query slot). The same future for every caller while it
     * is in flight or kept.
     */
    CompletableFuture<V> get(K key, Function<K, CompletableFuture<V>> load) {
        CompletableFuture<V> known = policy.getIfPresentQuietly(key);
        if (known != null) {
            return known;
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> shared = running.putIfAbsent(key, mine);
        if (shared != null) {
            return shared;
        }
        // A lookup finishing between the two looks: it is kept before it leaves the running map.
        known = policy.getIfPresentQuietly(key);
        if (known != null) {
            running.remove(key, mine);
            known.whenComplete((v, e) -> settle(mine, v, e));
            return known;
        }
        CompletableFuture<V> loading;
        try {
            loading = load.apply(key);
        } catch (RuntimeException e) {
            loading = CompletableFuture.failedFuture(e);
        }
        loading.whenComplete((v, e) -> {
            // Kept, then no longer running, before its callers see it done: its TTL runs from the answer, and
            // a caller asking again after that TTL finds neither.
            if (e == null) {
                expiry.put(key, mine, Duration.ofSeconds(ttlSeconds.applyAsLong(v)));
            }
            running.remove(key, mine);
            settle(mine, v, e);
        });
        return mine;
    }

    /** How long the kept result for {@code key} has left; empty while it is looked up or when none is kept. */
    Optional<Duration> expiresAfter(K key) {
        CompletableFuture<V> kept = policy.getIfPresentQuietly(key);
        return kept == null || !kept.isDone() ? Optional.empty() : expiry.getExpiresAfter(key);
    }

    /** Results kept now, expired and evicted ones gone. */
    long size() {
        done.cleanUp();
        return done.estimatedSize();
    }

    private static <V> void settle(CompletableFuture<V> f, V value, Throwable error) {
        if (error == null) {
            f.complete(value);
        } else {
            f.completeExceptionally(error);
        }
    }
}
