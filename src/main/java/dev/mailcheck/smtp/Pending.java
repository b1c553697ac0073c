package dev.mailcheck.smtp;

import dev.mailcheck.address.EmailAddress;
import java.util.concurrent.CompletableFuture;

/** One address waiting for its answer. The future may also be completed from outside (the check's deadline). */
final class Pending {

    final EmailAddress address;
    final CompletableFuture<SmtpOutcome> future = new CompletableFuture<>();
    private boolean retried;

    Pending(EmailAddress address) {
        this.address = address;
    }

    /** True the first time only: an address gets one more try on a fresh connection, never a loop of them. */
    boolean retry() {
        boolean first = !retried;
        retried = true;
        return first;
    }
}
