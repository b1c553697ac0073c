package dev.mailcheck.pipeline;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.verdict.CheckResult;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A whole list through the checker: every input record in, one result out, in input order. */
public final class ListRun {

    private ListRun() {
    }

    /** Checks every record; returns how many results were handed to {@code sink}. */
    public static long run(Checker checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink) {
        return run(new Rechecks(checker, Recheck.NONE), records, sink);
    }

    /** Checks every record, rechecking deferrals as {@code checker}'s policy says; returns how many results were handed on. */
    public static long run(Rechecks checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink) {
        return run(checker, records, sink, new CompletableFuture<>()).results();
    }

    /**
     * Checks every record, rechecking deferrals as {@code checker}'s policy says. A result behind one that waits
     * for a recheck is held until that one is final: at most {@link Rechecks#window()} results are held, and
     * when that many are, no further record is read until the oldest is final. Once {@code stop} completes no
     * more records are read and only the results already finished reach {@code sink} (see
     * {@link Batch#run(Iterator, int, Consumer, CompletableFuture)}).
     */
    public static Batch.Outcome run(Rechecks checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink,
            CompletableFuture<?> stop) {
        Iterator<CompletableFuture<CheckResult>> checks = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return records.hasNext();
            }

            @Override
            public CompletableFuture<CheckResult> next() {
                InputRecords.Input r = records.next();
                return r.error() == null ? checker.check(r.value()) : checker.unreadable(r.value(), r.error());
            }
        };
        return Batch.run(checks, checker.window(), sink, stop);
    }
}
