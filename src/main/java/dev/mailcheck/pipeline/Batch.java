package dev.mailcheck.pipeline;

import dev.mailcheck.verdict.CheckResult;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Runs many checks at once and hands their results on in input order, holding at most {@code window}
 * unfinished checks so that a list of any length runs in bounded memory.
 */
public final class Batch {

    public static final int DEFAULT_WINDOW = 20_000;

    /** How a run ended: results handed on, and checks left unfinished because the run was stopped. */
    public record Outcome(long results, long unfinished) {
    }

    private Batch() {
    }

    /**
     * @param checks one future per input record, in input order; pulled lazily. If pulling fails (the
     *               input breaks off), the checks already started still reach the sink before the
     *               failure is thrown on.
     */
    public static long run(Iterator<CompletableFuture<CheckResult>> checks, int window, Consumer<CheckResult> sink) {
        return run(checks, window, sink, new CompletableFuture<>()).results();
    }

    /**
     * As {@link #run(Iterator, int, Consumer)} until {@code stop} completes; from then on no check is pulled,
     * the results already finished are handed on (in input order, skipping those still running), and the
     * checks still running are counted, not awaited.
     */
    public static Outcome run(Iterator<CompletableFuture<CheckResult>> checks, int window, Consumer<CheckResult> sink,
            CompletableFuture<?> stop) {
        ArrayDeque<CompletableFuture<CheckResult>> pending = new ArrayDeque<>();
        long results = 0;
        long unfinished = 0;
        try {
            while (!stop.isDone() && checks.hasNext()) {
                pending.add(checks.next());
                while (!pending.isEmpty() && (pending.size() >= window || pending.peek().isDone())
                        && awaitUnlessStopped(pending.peek(), stop)) {
                    sink.accept(pending.poll().join());
                    results++;
                }
            }
        } finally {
            while (!pending.isEmpty()) {
                CompletableFuture<CheckResult> head = pending.poll();
                if (awaitUnlessStopped(head, stop)) {
                    sink.accept(head.join());
                    results++;
                } else {
                    unfinished++;
                }
            }
        }
        return new Outcome(results, unfinished);
    }

    /** Waits for the check or the stop, whichever comes first; true when the check is done. */
    private static boolean awaitUnlessStopped(CompletableFuture<CheckResult> check, CompletableFuture<?> stop) {
        if (!check.isDone()) {
            CompletableFuture.anyOf(check, stop).exceptionally(e -> null).join();
        }
        return check.isDone();
    }
}
