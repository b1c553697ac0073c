package dev.mailcheck.pipeline;

import dev.mailcheck.Defects;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Checks, and rechecks within this process what the {@link Recheck} policy wants tried again. The future of an
 * address that waits for a recheck completes only with its final answer, so a runner that hands results on in
 * input order ({@link Batch}) holds those behind it — never more than its window of unfinished checks.
 *
 * <p>Who completes what: an address with an answer that waits for a recheck is one entry of {@code held}; its
 * future is completed by whichever comes first, its final answer or {@link #stop()}. A recheck that answers
 * after that is dropped.
 */
public final class Rechecks {

    /**
     * What the rechecks wait for now.
     *
     * @param addresses addresses waiting for a recheck (not counting those being rechecked at this moment)
     * @param next      until the first of them is due
     * @param nextTry   which try that one will be
     * @param tries     tries in all that the policy allows
     */
    public record Waiting(int addresses, Duration next, int nextTry, int tries) {
    }

    private final Checker checker;
    /**
     * One try: the checker's, sharing each domain's work among the run's addresses (a recheck too: it asks SMTP
     * again, not DNS, whose answer the run keeps for its TTL), or in tests a check that breaks.
     */
    private final Function<String, CompletableFuture<CheckResult>> oneTry;
    private final Recheck policy;
    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    /** How many unfinished checks a list run through these may hold ({@link Batch}): fewer where none can take minutes. */
    int window() {
        return checker.probes() ? Batch.DEFAULT_WINDOW : Batch.DNS_WINDOW;
    }

    public Rechecks(Checker checker, Recheck policy) {
        this(checker, policy, checker.sharingDomains());
    }

    Rechecks(Checker checker, Recheck policy, Function<String, CompletableFuture<CheckResult>> oneTry) {
        this.checker = checker;
        this.policy = policy;
        this.oneTry = oneTry;
    }

    /** The final answer for one input, after as many tries as the policy allows; never completes exceptionally. */
    public CompletableFuture<CheckResult> check(String input) {
        if (policy.tries() == 1) {
            return oneTry.apply(input);
        }
        Held h = new Held(input, System.nanoTime());
        h.attempt(1);
        return h.result;
    }

    public CompletableFuture<CheckResult> unreadable(String input, String detail) {
        return checker.unreadable(input, detail);
    }

    /**
     * Ends every wait now (a run being stopped): each address held for a recheck completes with its latest
     * answer, and no recheck starts any more. Checks still making their first try are left to finish.
     */
    public void stop() {
        stopped = true;
        held.forEach(h -> h.finish(h.latest));
    }

    /** What the rechecks wait for now; empty when no address waits. */
    public Optional<Waiting> waiting() {
        long now = System.nanoTime();
        int addresses = 0;
        long first = Long.MAX_VALUE;
        int nextTry = 0;
        for (Held h : held) {
            if (h.rechecking) {
                continue;
            }
            addresses++;
            long left = Math.max(0, h.due - now);
            if (left < first) {
                first = left;
                nextTry = h.latest.tries() + 1;
            }
        }
        return addresses == 0 ? Optional.empty()
                : Optional.of(new Waiting(addresses, Duration.ofNanos(first), nextTry, policy.tries()));
    }

    private final class Held {
        final String input;
        final long started;
        final CompletableFuture<CheckResult> result = new CompletableFuture<>();
        volatile CheckResult latest;
        volatile long due;
        volatile boolean rechecking;

        Held(String input, long started) {
            this.input = input;
            this.started = started;
        }

        void attempt(int tries) {
            rechecking = true;
            CompletableFuture<CheckResult> check;
            try {
                check = oneTry.apply(input);
            } catch (RuntimeException e) {
                check = CompletableFuture.failedFuture(e);
            }
            check.whenComplete((r, e) -> {
                if (e == null) {
                    answered(tries == 1 ? r : r.withTries(tries));
                } else if (latest != null) {
                    // The checker never fails; were it to, a recheck keeps the answer it had rather than hang,
                    // and says that a later try broke, naming the log line that holds the defect.
                    String id = Defects.log("in recheck " + tries, e);
                    finish(latest.withDetailAdded("Try " + tries + " failed (" + Defects.mention(id) + ")."));
                } else {
                    result.completeExceptionally(e);
                }
            });
        }

        private void answered(CheckResult r) {
            Optional<Duration> wait = stopped || result.isDone() ? Optional.empty()
                    : policy.next(r, Duration.ofNanos(System.nanoTime() - started));
            if (wait.isEmpty()) {
                finish(r);
                return;
            }
            latest = r;
            due = System.nanoTime() + wait.get().toNanos();
            rechecking = false;
            held.add(this);
            if (stopped) {
                // stop() may have gone through held just before this entry was added
                finish(r);
                return;
            }
            CompletableFuture.delayedExecutor(wait.get().toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
                if (!result.isDone()) {
                    attempt(r.tries() + 1);
                }
            });
        }

        void finish(CheckResult r) {
            result.complete(r);
            held.remove(this);
        }
    }
}
