package dev.mailcheck.jobs;

import java.time.Duration;

/**
 * Where SMTP work items wait (SQS in Lambda). {@link #send} hands an item to the workers of its provider group:
 * at most the configured number of them probe one group at once (an SQS FIFO queue's message groups).
 * {@link #later} holds an item back for a while (a recheck, or an item whose due time is further off than the
 * queue can delay), after which it comes back to {@link SmtpStage#due}. Delivery is at least once.
 */
public interface SmtpQueue {

    /**
     * @param salt makes the item's deduplication id differ from an earlier identical item's (the id of the
     *             message that produced it; empty for items from the DNS stage, which a chunk sent twice repeats)
     */
    void send(SmtpItem item, String salt);

    /** The item comes back after {@code delay}, at most {@link #LONGEST_DELAY} (a longer wait is held back again). */
    void later(SmtpItem item, Duration delay);

    /** SQS's limit on one message's delay. */
    Duration LONGEST_DELAY = Duration.ofMinutes(15);
}
