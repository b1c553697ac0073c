package dev.mailcheck.smtp;

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
}
