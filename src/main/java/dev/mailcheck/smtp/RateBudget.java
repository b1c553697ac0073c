package dev.mailcheck.smtp;

import java.time.Duration;
import java.time.Instant;

/**
 * Budgets of events per minute (new sessions per MX address, RCPTs per provider group), shared by
 * everything that probes from one IP. A port, so that many workers (Lambda) can share one budget through
 * a store with conditional writes; {@link LocalRateBudget} serves one process.
 */
public interface RateBudget {

    /**
     * Reserves {@code permits} events of {@code key}'s budget of {@code perMinute} and returns when the
     * caller may use them: {@code now}, or later when earlier reservations have used the budget up. A
     * reservation is never given back: a caller that stops waiting leaves the budget as if it had used it,
     * which errs on the side of fewer events.
     */
    Instant reserve(String key, int permits, int perMinute, Instant now);

    /** The time {@code permits} events take of a budget of {@code perMinute}: they are spread evenly. */
    static Duration share(int permits, int perMinute) {
        return Duration.ofNanos(Duration.ofMinutes(1).toNanos() / perMinute).multipliedBy(permits);
    }

    /** When {@code key}'s budget is next free (a time past when it is free now): a look, reserving nothing. */
    Instant nextFree(String key);
}
