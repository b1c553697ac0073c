package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MailDomain;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One timer for a list run's lookups: each still ends with its answer, its defect, or the deadline. */
class DomainDeadlinesTest {

    private static final Duration SPAN = Duration.ofSeconds(1);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # the lookup                     | reason        | detail says
            answers at once                  | ACCEPTS_MAIL  | answered
            answers within the span          | ACCEPTS_MAIL  | answered
            fails within the span            | DNS_FAILURE   | The DNS stage failed unexpectedly
            never answers                    | DNS_FAILURE   | No DNS answer within the check's deadline of 1 s
            """)
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eachLookupEndsWithItsAnswerItsDefectOrTheDeadline(String lookup, Reason reason, String says) throws Exception {
        DomainDeadlines deadlines = new DomainDeadlines(SPAN.toNanos(), "1 s");
        MailDomain answer = answered("example.test");
        CompletableFuture<MailDomain> f = new CompletableFuture<>();
        if (lookup.equals("answers at once")) {
            f.complete(answer);
        }
        long start = System.nanoTime();
        CompletableFuture<MailDomain> held = deadlines.held("example.test", f);
        if (lookup.equals("answers within the span")) {
            Thread.sleep(50);
            f.complete(answer);
        } else if (lookup.equals("fails within the span")) {
            f.completeExceptionally(new IllegalStateException("a defect"));
        }
        MailDomain md = held.join();
        assertEquals(reason, md.reason());
        assertTrue(md.detail().contains(says), md.detail());
        if (lookup.equals("never answers")) {
            assertTrue(System.nanoTime() - start >= SPAN.toNanos(), "not before its deadline");
        }
    }

    private static MailDomain answered(String domain) {
        return new MailDomain(domain, Reason.ACCEPTS_MAIL, "answered", List.of(), null, false, 60, Map.of());
    }

    /**
     * A lookup stuck at the front holds the timer for itself alone: those behind it that answer end as answered,
     * those behind it that never answer end at their own deadlines, and the queue keeps no answered lookup once
     * the stuck one is gone.
     */
    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void lookupsBehindAStuckOneEndOnTheirOwn() throws Exception {
        DomainDeadlines deadlines = new DomainDeadlines(SPAN.toNanos(), "1 s");
        CompletableFuture<MailDomain> stuck = deadlines.held("stuck.test", new CompletableFuture<>());
        List<CompletableFuture<MailDomain>> lookups = new ArrayList<>();
        List<CompletableFuture<MailDomain>> held = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            lookups.add(new CompletableFuture<>());
            held.add(deadlines.held("d" + i + ".test", lookups.get(i)));
        }
        // Due half a span after the stuck one: room for a loaded machine between the two deadlines.
        Thread.sleep(SPAN.toMillis() / 2);
        CompletableFuture<MailDomain> late = deadlines.held("late.test", new CompletableFuture<>());
        for (int i = 0; i < lookups.size(); i++) {
            lookups.get(i).complete(answered("d" + i + ".test"));
        }
        assertTrue(held.stream().allMatch(h -> h.join().reason() == Reason.ACCEPTS_MAIL));
        assertEquals(Reason.DNS_FAILURE, stuck.join().reason());
        assertFalse(late.isDone(), "the later lookup has a later deadline");
        assertEquals(1, deadlines.waiting(), "only the later lookup, none of those answered");
        assertEquals(Reason.DNS_FAILURE, late.join().reason());
        assertEquals(0, deadlines.waiting());
    }

    /**
     * The timer of a long deadline (15 minutes by default) does not keep a finished run's queue: once nothing else
     * holds the deadlines, they are collected with every lookup they held.
     */
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRunThatIsOverLeavesNothingBehindForTheRestOfTheSpan() throws Exception {
        DomainDeadlines deadlines = new DomainDeadlines(Duration.ofMinutes(15).toNanos(), "15 min");
        for (int i = 0; i < 1_000; i++) {
            deadlines.held("d" + i + ".test", new CompletableFuture<>());
        }
        WeakReference<DomainDeadlines> gone = new WeakReference<>(deadlines);
        deadlines = null;
        for (int i = 0; i < 50 && gone.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(gone.get(), "the timer still holds the run's lookups");
    }
}
