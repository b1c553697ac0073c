package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Duration;
import java.time.Instant;

/**
 * When the Lambda invocation on this thread must have stopped its long work (the assembly of a results file): a
 * function killed at its timeout runs no catch and no "last word", so a job whose file took longer than the function's
 * time was retried from scratch, then given up on by a failure function killed the same way, its message back every
 * 30 minutes for 14 days, the job running. Stopped in time, the work fails like any other, and the failure function's
 * last word ends the job. Per thread: the handler's thread is the one that runs the work, and several local
 * invocations ({@code checker invoke}) may run at once. Outside a handler there is no end.
 */
final class Invocation implements AutoCloseable {

    /** What is left after the end for the work that follows a failure: the job's end, its event, deleting parts. */
    static final Duration MARGIN = Duration.ofSeconds(20);
    private static final ThreadLocal<Instant> END = new ThreadLocal<>();

    private Invocation() {
    }

    /** The invocation of {@code context} on this thread, until closed. */
    static Invocation of(Context context) {
        END.set(Instant.now().plusMillis(context.getRemainingTimeInMillis()).minus(MARGIN));
        return new Invocation();
    }

    /** When the invocation on this thread must have stopped its long work; {@link Instant#MAX} outside one. */
    static Instant end() {
        Instant end = END.get();
        return end != null ? end : Instant.MAX;
    }

    @Override
    public void close() {
        END.remove();
    }
}
