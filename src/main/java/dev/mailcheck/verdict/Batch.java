package dev.mailcheck.verdict;

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

    private Batch() {
    }

    /**
     * @param checks one future per input record, in input order; pulled lazily. If pulling fails (the
     *               input breaks off), the checks already started still reach the sink before the
     *               failure is thrown on.
     */
    public static long run(Iterator<CompletableFuture<CheckResult>> checks, int window, Consumer<CheckResult> sink) {
        ArrayDeque<CompletableFuture<CheckResult>> pending = new ArrayDeque<>();
        long count = 0;
        try {
            while (checks.hasNext()) {
                pending.add(checks.next());
                while (!pending.isEmpty() && (pending.size() >= window || pending.peek().isDone())) {
                    sink.accept(pending.poll().join());
                    count++;
                }
            }
        } finally {
            while (!pending.isEmpty()) {
                sink.accept(pending.poll().join());
                count++;
            }
        }
        return count;
    }
}
