package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.mailcheck.Reason;
import dev.mailcheck.verdict.CheckResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchTest {

    @ParameterizedTest(name = "{0} checks, window {1}")
    @CsvSource({"0, 4", "1, 4", "100, 1", "1000, 7", "1000, 5000"})
    void resultsLeaveInInputOrderWithBoundedWork(int n, int window) {
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(4);
        AtomicInteger unfinished = new AtomicInteger();
        AtomicInteger mostUnfinished = new AtomicInteger();
        Iterator<CompletableFuture<CheckResult>> checks = new Iterator<>() {
            int i;

            public boolean hasNext() {
                return i < n;
            }

            public CompletableFuture<CheckResult> next() {
                String input = "input-" + i++;
                CompletableFuture<CheckResult> f = new CompletableFuture<>();
                mostUnfinished.accumulateAndGet(unfinished.incrementAndGet(), Math::max);
                // Later inputs often finish first, as real DNS answers do.
                timers.schedule(() -> {
                    unfinished.decrementAndGet();
                    f.complete(CheckResult.invalid(input, Reason.INVALID_SYNTAX.meaning()));
                }, (n - i) % 5, TimeUnit.MILLISECONDS);
                return f;
            }
        };
        List<String> out = new ArrayList<>();
        long count = Batch.run(checks, window, r -> out.add(r.address()));
        timers.shutdown();
        assertEquals(n, count);
        assertEquals(n, out.size());
        for (int i = 0; i < n; i++) {
            assertEquals("input-" + i, out.get(i));
        }
        assertTrue(mostUnfinished.get() <= Math.max(window, 1), "unfinished checks: " + mostUnfinished.get());
    }

    /**
     * A stopped run: no check is pulled after the stop, the finished results still leave in input order (also
     * those behind one that never finishes), and the unfinished are counted, not awaited.
     */
    @ParameterizedTest(name = "{0}, window {1}, stop at pull {2}")
    @CsvSource({
            // checks: D finishes at once, . never; the stop comes with the pull of check number stopAt
            "DDDD,  100, 2, 1;2,   0",
            ".DD.D, 100, 5, 2;3;5, 2",
            ".DDD,  2,   2, 2,     1",
            "...,   100, 3, '',    3"})
    void aStoppedRunHandsOnWhatIsFinishedAndCountsTheRest(String checks, int window, int stopAt, String written,
            long unfinished) {
        CompletableFuture<Void> stop = new CompletableFuture<>();
        AtomicInteger pulled = new AtomicInteger();
        Iterator<CompletableFuture<CheckResult>> source = new Iterator<>() {
            public boolean hasNext() {
                return pulled.get() < checks.length();
            }

            public CompletableFuture<CheckResult> next() {
                int n = pulled.incrementAndGet();
                if (n == stopAt) {
                    stop.complete(null);
                }
                return checks.charAt(n - 1) == 'D'
                        ? CompletableFuture.completedFuture(CheckResult.invalid(Integer.toString(n), "finished"))
                        : new CompletableFuture<>();
            }
        };
        List<String> out = new ArrayList<>();
        Batch.Outcome outcome = Batch.run(source, window, r -> out.add(r.address()), stop);
        assertEquals(written.isEmpty() ? List.of() : List.of(written.split(";")), out);
        assertEquals(new Batch.Outcome(out.size(), unfinished), outcome);
        assertEquals(stopAt, pulled.get(), "nothing is pulled after the stop");
    }
}
