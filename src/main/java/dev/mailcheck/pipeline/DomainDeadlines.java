package dev.mailcheck.pipeline;

import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MailRouting;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A list run's domain lookups held to the check's deadline with one timer for all of them. A timer per domain
 * ({@code completeOnTimeout}: a task scheduled, then cancelled when the answer comes) cost a list of new domains
 * more CPU on the scheduler's thread than the routing judgement. Every lookup here gets the same span, so the
 * order they are added in is the order of their deadlines: the timer is armed for the oldest lookup still waiting,
 * and answered ones are dropped from the front as new ones come. The queue never holds more than the lookups from
 * the oldest unanswered one on, which the run's window of unfinished checks bounds ({@link Rechecks#window()}).
 */
final class DomainDeadlines {

    private final long span;
    private final String deadline;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** A timer is set for the front's deadline (or an earlier front's): one at a time. */
    private boolean armed;

    private record Waiting(String domain, CompletableFuture<MailDomain> lookup, long due) {
    }

    /**
     * @param spanNanos how long every lookup may take
     * @param deadline  that span as the user reads it, for the answer of a lookup that outlives it
     */
    DomainDeadlines(long spanNanos, String deadline) {
        this.span = spanNanos;
        this.deadline = deadline;
    }

    /**
     * {@code lookup} held to the span from now: the lookup's answer, or an unknown that names the deadline;
     * a defect in the lookup is an unknown too. Never completes exceptionally.
     */
    CompletableFuture<MailDomain> held(String domain, CompletableFuture<MailDomain> lookup) {
        CompletableFuture<MailDomain> held = lookup.exceptionally(e -> MailRouting.stageFailed(domain, e));
        if (held.isDone()) {
            return held;
        }
        synchronized (this) {
            dropAnswered();
            waiting.add(new Waiting(domain, held, System.nanoTime() + span));
            if (!armed) {
                arm(span);
            }
        }
        return held;
    }

    /** Lookups waiting now: those from the oldest unanswered one on. */
    synchronized int waiting() {
        dropAnswered();
        return waiting.size();
    }

    private void dropAnswered() {
        while (!waiting.isEmpty() && waiting.peek().lookup().isDone()) {
            waiting.poll();
        }
    }

    private void arm(long delay) {
        armed = true;
        // The timer holds the queue weakly: once a run is over nothing keeps its answered lookups for the rest of
        // the span (15 minutes by default). It sweeps on the timer's own thread, as completeOnTimeout completed
        // there, not on a pool that must have a free thread for the deadline to hold.
        WeakReference<DomainDeadlines> self = new WeakReference<>(this);
        CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS, Runnable::run).execute(() -> {
            DomainDeadlines deadlines = self.get();
            if (deadlines != null) {
                deadlines.sweep();
            }
        });
    }

    private void sweep() {
        List<Waiting> late = new ArrayList<>();
        synchronized (this) {
            armed = false;
            long now = System.nanoTime();
            dropAnswered();
            while (!waiting.isEmpty() && now - waiting.peek().due() >= 0) {
                late.add(waiting.poll());
                dropAnswered();
            }
            if (!waiting.isEmpty()) {
                arm(waiting.peek().due() - now);
            }
        }
        // Outside the lock: completing runs the lookups' dependents (their addresses' checks).
        late.forEach(w -> w.lookup().complete(MailRouting.noAnswerBefore(w.domain(), deadline)));
    }
}
