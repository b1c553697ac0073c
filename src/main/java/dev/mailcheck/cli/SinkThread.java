package dev.mailcheck.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Hands each item to {@code downstream} on a thread of its own, in the order given: a list run's main thread
 * reads, parses and settles addresses while this one formats and writes their results (a third of the main
 * thread's samples on a 1,000,000-address list, whose main thread is its critical path on the JIT's first tier
 * alone, which the launcher gives short lists). At most {@link #CAPACITY} items
 * wait; a caller that is that far ahead waits for the writer, as it waited for the output before. A defect
 * thrown downstream is thrown again on the caller's thread, once: at its next hand-off or at {@link #close}
 * (the same throwable twice would be one suppressing itself in a try-with-resources). Items after it are dropped.
 */
final class SinkThread<T> implements Consumer<T>, AutoCloseable {

    static final int CAPACITY = 8_192;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Consumer<T> downstream;
    private final Thread thread;
    /** What the downstream consumer threw: a RuntimeException or an Error. */
    private volatile Throwable defect;
    private boolean closed;
    /** The caller has been thrown the defect. */
    private boolean told;

    SinkThread(String name, Consumer<T> downstream) {
        this.downstream = downstream;
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    @Override
    public void accept(T item) {
        rethrow();
        put(item);
    }

    /**
     * Waits until every item handed on has been taken downstream (memory effects included). No deadline of its
     * own: this waits for the output, as writing on the caller's thread did; a signal's deadline is
     * {@link FlushOnSignal}'s.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            put(END);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the results were written", e);
            }
        }
        rethrow();
    }

    private void put(Object item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing a result to the writer", e);
        }
    }

    private void rethrow() {
        if (told || defect == null) {
            return;
        }
        told = true;
        if (defect instanceof Error e) {
            throw e;
        }
        throw (RuntimeException) defect;
    }

    @SuppressWarnings("unchecked")
    private void loop() {
        List<Object> taken = new ArrayList<>(CAPACITY);
        while (true) {
            try {
                taken.add(queue.take());
            } catch (InterruptedException e) {
                // Nobody interrupts this thread; were it to happen, the items still come, so take on.
                continue;
            }
            queue.drainTo(taken);
            for (Object item : taken) {
                if (item == END) {
                    return;
                }
                // After a defect the rest are taken and dropped, so that the caller never waits on a full queue.
                if (defect == null) {
                    try {
                        downstream.accept((T) item);
                    } catch (RuntimeException | Error e) {
                        defect = e;
                    }
                }
            }
            taken.clear();
        }
    }
}
