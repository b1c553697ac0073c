package dev.mailcheck.pipeline;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A whole list through the checker: every input record in, one result out, in input order. */
public final class ListRun {

    /**
     * Checks started ahead of the results handed on, counted in {@link Batch#DEFAULT_WINDOW}: the reading thread
     * stays this far ahead of the thread that writes.
     */
    static final int AHEAD = 1_024;
    /** How often a thread waiting for the other looks whether the run was stopped or given up. */
    private static final long LOOK_MILLIS = 50;

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
     * for a recheck is held until that one is final: at most {@link Batch#DEFAULT_WINDOW} results are held, and
     * when that many are, no further record is read until the oldest is final. Once {@code stop} completes no
     * more records are read and only the results already finished reach {@code sink} (see
     * {@link Batch#run(Iterator, int, Consumer, CompletableFuture)}).
     *
     * <p>Two threads: a reading thread reads and parses the records and starts their checks, while the calling
     * thread hands the results on in order (the JSON writing, as long as the parsing): on a list of many addresses
     * per domain both were one thread's work, four fifths of a run's samples, with the other core idle. A record
     * the input cannot give (it broke off) is thrown on here after the results of the records before it.
     */
    public static Batch.Outcome run(Rechecks checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink,
            CompletableFuture<?> stop) {
        Started started = new Started(checker, records, stop);
        Batch.Outcome outcome;
        try {
            outcome = Batch.run(started, Batch.DEFAULT_WINDOW - AHEAD, sink, stop);
        } finally {
            started.close();
        }
        return stop.isDone() ? started.handOnQueued(outcome, sink) : outcome;
    }

    /** The checks as the reading thread starts them; what it threw comes out of {@link #hasNext()} at the end. */
    private static final class Started implements Iterator<CompletableFuture<CheckResult>>, AutoCloseable {
        private static final Object END = new Object();

        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(AHEAD);
        private final CompletableFuture<?> stop;
        private final Thread reader;
        private volatile boolean closed;
        private volatile Throwable failure;
        private Object next;

        Started(Rechecks checker, Iterator<InputRecords.Input> records, CompletableFuture<?> stop) {
            this.stop = stop;
            reader = Thread.ofPlatform().daemon().name("checker-input").start(() -> {
                try {
                    while (!closed && !stop.isDone() && records.hasNext()) {
                        InputRecords.Input r = records.next();
                        hand(r.error() == null ? checker.check(r.value()) : checker.unreadable(r.value(), r.error()));
                    }
                } catch (RuntimeException | Error e) {
                    failure = e;
                } finally {
                    hand(END);
                }
            });
        }

        /** Queues one item, waiting for room while the run goes on; dropped once the run is over. */
        private void hand(Object item) {
            try {
                while (!closed && !queue.offer(item, LOOK_MILLIS, TimeUnit.MILLISECONDS)) {
                    // no room yet: the writing thread is behind, or gone
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    next = queue.poll(LOOK_MILLIS, TimeUnit.MILLISECONDS);
                    if (next == null && stop.isDone()) {
                        return false;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (next != END) {
                return true;
            }
            switch (failure) {
                case null -> {
                    return false;
                }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IllegalStateException(failure);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public CompletableFuture<CheckResult> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Object item = next;
            next = null;
            return (CompletableFuture<CheckResult>) item;
        }

        /** The run is over: the reading thread reads no further record and drops what it would hand on. */
        @Override
        public void close() {
            closed = true;
        }

        /**
         * A stopped run: the checks the reading thread had started but the run had not pulled come after those it
         * had, in input order: the finished ones are handed on, the others counted as still running. The reading
         * thread is given a moment to finish a check it is starting (it waits for no input once closed, unless a
         * read is under way, which then brings nothing to count).
         */
        Batch.Outcome handOnQueued(Batch.Outcome pulled, Consumer<CheckResult> sink) {
            try {
                reader.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long results = pulled.results();
            long unfinished = pulled.unfinished();
            for (Object item = next != null ? next : queue.poll(); item != null; item = queue.poll()) {
                if (item == END) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                CompletableFuture<CheckResult> check = (CompletableFuture<CheckResult>) item;
                if (check.isDone()) {
                    sink.accept(check.join());
                    results++;
                } else {
                    unfinished++;
                }
            }
            next = null;
            return new Batch.Outcome(results, unfinished);
        }
    }
}
