package dev.mailcheck.dns;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs what follows a DNS answer (the lookup's next queries, the routing judgement, the shared lookup settling,
 * the caller's own steps and signals) on a thread of its own, so that the socket readers only read, match and
 * decode answers and send the next queries. On one reader all of that came to 60% of a one-address-per-domain
 * run's samples while the other core waited for it. One thread, fed by a queue without locks: it is woken only
 * when it has run out of work. Once closed, the queued work runs on the thread that closes or hands off, so every
 * lookup still completes.
 */
final class AnswerHandoff implements AutoCloseable {

    private final Queue<Runnable> work = new ConcurrentLinkedQueue<>();
    private final Thread worker;
    /** The worker is about to park or parked: a hand-off wakes it. */
    private volatile boolean idle;
    private volatile boolean closed;

    AnswerHandoff(String name) {
        worker = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    void execute(Runnable task) {
        if (closed) {
            task.run();
            return;
        }
        work.add(task);
        // Added, then closed looked at; close() sets closed, then wakes the worker, which drains: one of the two runs it.
        if (closed) {
            drain();
        } else if (idle) {
            LockSupport.unpark(worker);
        }
    }

    private void loop() {
        while (true) {
            Runnable next = work.poll();
            if (next != null) {
                run(next);
                continue;
            }
            if (closed) {
                drain();
                return;
            }
            idle = true;
            // Idle announced before the queue is looked at again: a hand-off either sees idle (and wakes us) or
            // was queued before this look, which finds it.
            if (work.isEmpty() && !closed) {
                LockSupport.park(this);
            }
            idle = false;
        }
    }

    private void drain() {
        for (Runnable next = work.poll(); next != null; next = work.poll()) {
            run(next);
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // A future's completion does not throw (its dependents' failures stay in their futures); were a task to,
            // the others still run.
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(worker);
    }
}
