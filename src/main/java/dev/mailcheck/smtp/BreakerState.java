package dev.mailcheck.smtp;

import java.time.Instant;

/**
 * The block breaker's memory, shared by everything that probes from one IP: which provider groups are
 * blocked and the refusals counted towards a block. A port, so that many workers (Lambda) can share it
 * through a store with conditional writes and expiry; {@link LocalBreakerState} serves one process.
 * Implementations must expire what they keep and bound its size.
 */
public interface BreakerState {

    /** The block in force for {@code group} at {@code now}, or null. */
    Block blocked(String group, Instant now);

    /**
     * Counts {@code refusal}, heard while probing {@code domain}, towards a block of its group: the block
     * trips once refusals from {@code needed} different domains fall within one cool-down. Returns the
     * block then in force (this one or an earlier one), or null while the count is below {@code needed}.
     */
    Block refused(Block refusal, String domain, int needed, Instant now);
}
