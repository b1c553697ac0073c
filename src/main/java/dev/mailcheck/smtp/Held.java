package dev.mailcheck.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The addresses one worker has taken from its domain's queue and not answered yet. This is the one
 * owner of in-flight work: a transaction answers what it can and leaves the rest here (they go into
 * the next transaction), and whichever way the worker ends, it answers everything still held
 * ({@link #answerAll}), so no future is left open.
 */
final class Held {

    private final ArrayDeque<Pending> open = new ArrayDeque<>();
    private final int max;

    Held(int max) {
        this.max = max;
    }

    /**
     * Tops the held addresses up to the transaction size from {@code queue}; when none are held, waits up to
     * {@code linger} for one. Addresses whose check has already ended (past its deadline, even before the timer
     * that answers them has run) are dropped: that timer answers them "not tried".
     *
     * @return whether any address is held
     */
    boolean fill(BlockingQueue<Pending> queue, Duration linger) {
        Duration wait = linger;
        while (true) {
            open.removeIf(Pending::ended);
            if (open.isEmpty()) {
                Pending first;
                try {
                    first = queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                if (first == null) {
                    return false;
                }
                open.add(first);
            }
            List<Pending> more = new ArrayList<>();
            queue.drainTo(more, max - open.size());
            open.addAll(more);
            open.removeIf(Pending::ended);
            if (!open.isEmpty()) {
                return true;
            }
            wait = Duration.ZERO; // all taken had ended already: look again, without waiting
        }
    }

    /** What the next transaction asks about, in order; they stay held until answered. */
    List<Pending> batch() {
        tried();
        return List.copyOf(open);
    }

    /** Every held address is being asked about now (a connection opens for them, or a transaction). */
    void tried() {
        open.forEach(Pending::tried);
    }

    /**
     * The latest deadline of the held checks (nanoTime), past which nobody waits for the session's answers;
     * null when one of them has no deadline.
     */
    Long until() {
        Long latest = null;
        for (Pending p : open) {
            if (p.deadline == null) {
                return null;
            }
            latest = latest == null || p.deadline - latest > 0 ? p.deadline : latest;
        }
        return latest;
    }

    /** How many addresses are held, without marking them asked about. */
    int size() {
        return open.size();
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    /** Someone still waits for an answer (false once every held check has passed its deadline). */
    boolean wanted() {
        return open.stream().anyMatch(p -> !p.ended());
    }

    /**
     * Every held address waits for a budget of {@code group} before it is asked about.
     *
     * @return how many had not waited before (a held address may wait again: for its next transaction, or anew after
     *         a late start), so that each is counted once
     */
    int waitedFor(String group) {
        int first = 0;
        for (Pending p : open) {
            first += p.waitedFor() == null ? 1 : 0;
            p.waitedFor(group);
        }
        return first;
    }

    void answer(Pending p, SmtpOutcome outcome) {
        open.remove(p);
        p.future.complete(outcome);
    }

    /**
     * Every held check has reached its deadline (the session was closed for it): each gets its deadline's own
     * answer now ({@link Pending#answer}), not the session's failure, which says nothing about the host.
     */
    void expireAll() {
        for (Pending p : List.copyOf(open)) {
            open.remove(p);
            p.future.completeExceptionally(new TimeoutException("the check's deadline passed"));
        }
    }

    void answerAll(SmtpOutcome outcome) {
        answerAll(outcome, p -> false);
    }

    /** Answers every held address except those {@code keep} keeps for another try. */
    void answerAll(SmtpOutcome outcome, Predicate<Pending> keep) {
        for (Pending p : List.copyOf(open)) {
            if (!keep.test(p)) {
                answer(p, outcome);
            }
        }
    }

    /** Hands every held address over to the caller, which must answer them. */
    List<Pending> takeAll() {
        List<Pending> all = List.copyOf(open);
        open.clear();
        return all;
    }
}
