package dev.mailcheck.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
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
}
