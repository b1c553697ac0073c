package dev.mailcheck.smtp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/** The breaker's memory in one process (CLI, serve): per group, bounded, each entry gone after its cool-down. */
public final class LocalBreakerState implements BreakerState {

    private static final int MAX_GROUPS = 100_000;
    /** Domains remembered per group for the strike count: the count needs only a handful. */
    private static final int MAX_DOMAINS = 16;

    private record Entry(Block block, Block firstStrike, Set<String> domains) {
    }

    // Expiry is for memory only (it runs on the system ticker); what counts is checked against the caller's clock.
    private final Cache<String, Entry> groups = Caffeine.newBuilder()
            .expireAfter(Expiry.writing((String g, Entry e) -> coolDown(e)))
            .maximumSize(MAX_GROUPS)
            .build();

    @Override
    public Block blocked(String group, Instant now) {
        Entry e = groups.getIfPresent(group);
        return e != null && e.block != null && now.isBefore(e.block.until()) ? e.block : null;
    }

    @Override
    public Block refused(Block refusal, String domain, int needed, Instant now) {
        Entry after = groups.asMap().compute(refusal.group(), (g, e) -> {
            if (e != null && e.block != null && now.isBefore(e.block.until())) {
                return e; // blocked already: the first refusal stays the one reported
            }
            boolean fresh = e == null || e.firstStrike == null || !now.isBefore(e.firstStrike.until());
            Block first = fresh ? refusal : e.firstStrike;
            Set<String> domains = new LinkedHashSet<>(fresh ? Set.of() : e.domains);
            if (domains.size() < MAX_DOMAINS) {
                domains.add(domain);
            }
            return new Entry(domains.size() >= needed ? refusal : null, first, Set.copyOf(domains));
        });
        return after.block != null && now.isBefore(after.block.until()) ? after.block : null;
    }

    private static Duration coolDown(Entry e) {
        Block b = e.block != null ? e.block : e.firstStrike;
        return Duration.between(b.at(), b.until()).plusMinutes(1);
    }
}
