package dev.mailcheck.cli;

import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.verdict.CheckResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;

/**
 * Where {@code check}'s results go, in input order: the output, the summary, the progress bar. The first
 * write error (a full disk, a closed pipe) stops the run through {@link #stop} and is kept for the command
 * to report, so that no result is counted as written that was not. Its own class because the command's exit
 * status rests on what it says.
 */
final class ResultSink implements Consumer<CheckResult> {

    /** Completed when the run should stop: a write failed, or a signal came. */
    final CompletableFuture<Void> stop = new CompletableFuture<>();
    private final OutputStream out;
    private final ResultWriter writer;
    private final Summary summary;
    private final ProgressBar bar;
    /** Formats and writes on a thread of its own; {@link #written}, {@link #failure} and the summary are its. */
    private final SinkThread<CheckResult> writing = new SinkThread<>("checker-writer", this::write);
    private long written;
    private IOException failure;

    /** {@code out} is buffered by the caller; {@code bar} may be null: no progress bar. */
    ResultSink(ResultWriter.Format format, OutputStream out, Summary summary, ProgressBar bar) {
        this.out = out;
        this.writer = ResultWriter.of(format, out, SmtpCodes::link);
        this.summary = summary;
        this.bar = bar;
    }

    @Override
    public void accept(CheckResult result) {
        writing.accept(result);
    }

    private void write(CheckResult result) {
        if (failure != null) {
            return;
        }
        try {
            writer.write(result);
        } catch (UncheckedIOException e) {
            failure = e.getCause();
            stop.complete(null);
            return;
        }
        written++;
        summary.add(result);
        if (bar != null) {
            bar.step();
        }
    }

    /** Results handed to the writer without an error: all of them once {@link #close} has returned. */
    long written() {
        return written;
    }

    /** The write error that stopped the run, or null. */
    IOException failure() {
        return failure;
    }

    ProgressBar bar() {
        return bar;
    }

    /** Writes what is handed on, flushes and closes the output; false when writing failed, now or before. */
    boolean close() {
        try (out) {
            writing.close();
            if (failure == null) {
                writer.flush();
            }
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        return failure == null;
    }
}
