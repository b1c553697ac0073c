package dev.mailcheck.smtp;

import dev.mailcheck.smtp.SmtpReport.CatchAll;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A domain's catch-all test (RCPT to a made-up mailbox), made once by whichever session claims it;
 * sessions of the same domain wait for its answer, never longer than {@code wait}.
 */
final class CatchAllTest {

    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<CatchAll> result = new CompletableFuture<>();

    /** True for the one caller that must make the test and then {@link #settle} it, on every path. */
    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    /** Some session has made the test or is making it. */
    boolean claimed() {
        return claimed.get();
    }

    /** The first answer stands; the owner settles INCONCLUSIVE in a finally block, which is then a no-op. */
    void settle(CatchAll answer) {
        result.complete(answer);
    }

    CatchAll result(Duration wait) {
        if (!claimed()) {
            return CatchAll.NOT_CHECKED;
        }
        try {
            return result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return CatchAll.INCONCLUSIVE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CatchAll.INCONCLUSIVE;
        }
    }
}
