package dev.mailcheck.cli;

import dev.mailcheck.pipeline.Rechecks;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;

/**
 * Says on standard error what the run waits for, so that a run that seems to stand still explains itself:
 * the rechecks ("waiting 297 s to recheck 12 deferred addresses (try 2 of 3)") or else the SMTP budgets
 * ("waiting for RCPTs at microsoft (300/min per provider group)"). With a progress bar the line is the bar's
 * message; without one it is printed when what waits changes, at most every {@link #QUIET_FOR}.
 */
final class RecheckProgress implements AutoCloseable {

    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration QUIET_FOR = Duration.ofSeconds(10);

    private final Rechecks rechecks;
    private final Supplier<String> smtpWaiting;
    private final PrintStream err;
    private final ProgressBar bar;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "checker-recheck-progress");
        t.setDaemon(true);
        return t;
    });
    private String shown = "";
    private long shownAt;

    /** @param bar the progress bar to show the line in, or null to print it */
    RecheckProgress(Rechecks rechecks, Supplier<String> smtpWaiting, PrintStream err, ProgressBar bar) {
        this.rechecks = rechecks;
        this.smtpWaiting = smtpWaiting;
        this.err = err;
        this.bar = bar;
        timer.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        Rechecks.Waiting w = rechecks.waiting().orElse(null);
        String smtp = w == null ? smtpWaiting.get() : null;
        if (bar != null) {
            bar.setExtraMessage(w != null ? line(w) : smtp == null ? "" : smtp);
            return;
        }
        // What waits, without the countdown: the line is printed again when that changes, not every second.
        String what = w != null ? w.addresses() + " " + w.nextTry() : smtp == null ? "" : smtp;
        long now = System.nanoTime();
        if (!what.isEmpty() && !what.equals(shown) && (shown.isEmpty() || now - shownAt >= QUIET_FOR.toNanos())) {
            err.println("checker: " + (w != null ? line(w) : smtp));
            shown = what;
            shownAt = now;
        } else if (what.isEmpty()) {
            shown = "";
        }
    }

    static String line(Rechecks.Waiting w) {
        return String.format(Locale.ROOT, "waiting %d s to recheck %,d deferred address%s (try %d of %d)",
                (w.next().toMillis() + 999) / 1000, w.addresses(), w.addresses() == 1 ? "" : "es", w.nextTry(),
                w.tries());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
