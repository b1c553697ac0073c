package dev.mailcheck.pipeline;

import dev.mailcheck.Reason;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.Optional;

/**
 * When an answer that says "later" is checked again: up to {@code tries} checks in all, the last of them
 * starting within {@code window} of the first. Pure, so that every runner keeps its own clock: the CLI waits
 * in-process ({@link Rechecks}), jobs can turn the wait into a queue's delay.
 *
 * <p>Rechecked are {@code temporary_failure} (greylisting's 450/451, a 4xx at MAIL or DATA, a 421 before the
 * address was asked) and {@code smtp_blocked} when the server's reply was a 4xx (a 421 "too many connections"
 * at the greeting): the server said "later" and usually means minutes. Not rechecked: {@code dns_failure}
 * (the resolver has already retried, and a domain whose servers fail now mostly still fails within the hour:
 * rechecking it would hold a list's output for the whole window for little gain), {@code smtp_unreachable}
 * (each try costs full connect timeouts, and the prober marks the host dead for minutes anyway) and
 * {@code mailbox_full} (a full mailbox seldom empties within the hour).
 *
 * @param tries  checks in all, the first included; 1 means no recheck
 * @param window how long after the first check a recheck may still start
 */
public record Recheck(int tries, Duration window) {

    /** One check, no recheck. */
    public static final Recheck NONE = new Recheck(1, Duration.ZERO);
    /** What issue 13 asks of jobs: three tries within the hour that greylisting takes at worst. */
    public static final Recheck DEFAULT = new Recheck(3, Duration.ofHours(1));
    /** Greylisting's usual delay, for a deferral that came with no hint of its own. */
    static final Duration USUAL_DELAY = Duration.ofMinutes(5);
    /** A floor under the server's hint: a hint of zero would only meet the same deferral again. */
    static final Duration SHORTEST_WAIT = Duration.ofSeconds(5);

    public Recheck {
        if (tries < 1 || window.isNegative()) {
            throw new IllegalArgumentException("a recheck needs at least one try and a window of zero or more");
        }
    }

    /** The answers that a server may well change within minutes (see the class comment). */
    public static boolean deferred(CheckResult r) {
        return r.reason() == Reason.TEMPORARY_FAILURE
                || r.reason() == Reason.SMTP_BLOCKED && r.predictedReply().code() / 100 == 4;
    }

    /**
     * How long to wait before checking again, or empty when {@code r} is the final answer.
     *
     * <p>The wait is the server's hint ({@code smtp.retry_after_seconds}, else {@link #USUAL_DELAY}), at least
     * {@link #SHORTEST_WAIT}, but never more than an equal share of what is left of the window for each try
     * left, so that every try allowed starts within the window: a short window shortens the waits.
     *
     * @param r       the latest answer; {@code r.tries()} checks have been made
     * @param elapsed since the first check started
     */
    public Optional<Duration> next(CheckResult r, Duration elapsed) {
        Duration left = window.minus(elapsed);
        if (!deferred(r) || r.tries() >= tries || left.isNegative() || left.isZero()) {
            return Optional.empty();
        }
        Integer hint = r.smtp() == null ? null : r.smtp().retryAfterSeconds();
        Duration wait = hint == null ? USUAL_DELAY : Duration.ofSeconds(hint);
        if (wait.compareTo(SHORTEST_WAIT) < 0) {
            wait = SHORTEST_WAIT;
        }
        Duration share = left.dividedBy(tries - r.tries());
        return Optional.of(wait.compareTo(share) > 0 ? share : wait);
    }
}
