package dev.mailcheck.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A signal (Ctrl-C, kill) ends the JVM as soon as the shutdown hooks return, which would throw away every
 * result finished but still held for input order. While a run is on, this hook stops it and waits, up to
 * a deadline, until the results already finished are written; past the deadline it says so and lets the JVM
 * end. Its own class because it runs on the JVM's shutdown thread, outside the command's flow.
 */
final class FlushOnSignal implements AutoCloseable {

    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicBoolean signalled = new AtomicBoolean();
    private final Runnable stop;
    private final Duration wait;
    private final PrintStream err;
    final Thread hook = new Thread(this::onSignal, "checker-signal");

    /** Registers the hook: on a signal, {@code stop} is run and the run's end waited for up to {@code wait}. */
    FlushOnSignal(Runnable stop, Duration wait, PrintStream err) {
        this.stop = stop;
        this.wait = wait;
        this.err = err;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A signal came: the run was stopped by it, not by its end. */
    boolean signalled() {
        return signalled.get();
    }

    /** What the hook does on a signal. */
    void onSignal() {
        signalled.set(true);
        stop.run();
        try {
            if (!ended.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                err.println("checker: stopped by a signal; the results finished were not written within "
                        + wait.toSeconds() + " s (reading the input or writing the output did not return)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The run has ended (its results written, or not): a hook waiting for that lets the JVM go; no more hook. */
    @Override
    public void close() {
        ended.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs, and the count-down has just let it go
        }
    }
}
