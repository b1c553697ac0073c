package dev.mailcheck.smtp;

import dev.mailcheck.address.EmailAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One address waiting for its answer, by its check's deadline when it has one. The future may also be
 * completed from outside (the check's deadline); the address is then no longer asked about.
 */
final class Pending {

    final EmailAddress address;
    final CompletableFuture<SmtpOutcome> future = new CompletableFuture<>();
    /** When the check ends (nanoTime), or null when it has no deadline of its own. */
    final Long deadline;
    /** A connection was opened or a command sent for it: at its deadline it was being asked, not waiting its turn. */
    private volatile boolean tried;
    /** The provider group whose budget it waited for, or null when it waited for none. */
    private volatile String waitedFor;
    private boolean retried;

    Pending(EmailAddress address, Long deadline) {
        this.address = address;
        this.deadline = deadline;
    }

    /**
     * The answer as the check sees it: what the prober found, or at the deadline ({@code deadlineText} as
     * the user reads it) an unknown that says whether the address was being asked or never got its turn.
     */
    CompletableFuture<SmtpOutcome> answer(String deadlineText) {
        if (deadline == null) {
            return future;
        }
        future.orTimeout(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        return future.handle((o, e) -> o != null ? o
                : !(e instanceof TimeoutException) ? Outcomes.failedUnexpectedly(e)
                : tried ? Outcomes.noAnswerBefore(deadlineText) : Outcomes.notTried(deadlineText));
    }

    /**
     * It is being asked about now, unless its deadline has passed: then it never was, even if the timer that
     * answers it at the deadline has not run yet (a loaded machine runs it late).
     */
    void tried() {
        if (!ended()) {
            tried = true;
        }
    }

    /** Nobody waits for its answer any more: answered, or past its deadline. */
    boolean ended() {
        return future.isDone() || deadline != null && System.nanoTime() - deadline >= 0;
    }

    void waitedFor(String group) {
        waitedFor = group;
    }

    String waitedFor() {
        return waitedFor;
    }

    /** True the first time only: an address gets one more try on a fresh connection, never a loop of them. */
    boolean retry() {
        boolean first = !retried;
        retried = true;
        return first;
    }
}
