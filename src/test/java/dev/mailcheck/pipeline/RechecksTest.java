package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.mailcheck.LoggedDefects;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A run being stopped (Ctrl-C, SIGTERM) while rechecks wait: every address that waits completes at once with
 * the answer it has, and no recheck starts any more. The mailbox answers 451 for ever (a scripted server: no
 * real one can be told to), so only {@link Rechecks#stop()} can end the waits here; the {@code @Timeout} stops
 * a hang and measures nothing.
 */
class RechecksTest {

    private static final String ADDRESS = "anyone@strict.smtp.test";

    @ParameterizedTest(name = "stopped while waiting for try {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # tries | window s | server's hint s | waiting for try | answer's tries
            3       | 3600     | 300             | 2               | 1
            4       | 6        | 300             | 3               | 2
            """)
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStopEndsEveryWaitWithTheAnswerSoFar(int tries, long window, int hint, int waitingFor, int answerTries)
            throws InterruptedException {
        try (FakeSmtpServer always451 = new FakeSmtpServer(c -> {
                c.send("220 fake.test ESMTP\r\n");
                c.serve(verb -> verb.equals("RCPT") ? "451 4.7.1 Try again later\r\n" : FakeSmtpServer.ordinary(verb));
             });
             MxResolver dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 8, true);
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withHelo("prober.test").withPort(always451.port())
                     .withStarttls(false).withPerHostSessions(1).withSessions(4)
                     .withLinger(Duration.ofMillis(50)), Pacing.off())) {
            Rechecks rechecks = new Rechecks(new Checker(dns).withSmtp(prober), new Recheck(tries, Duration.ofSeconds(window)));
            CompletableFuture<CheckResult> check = rechecks.check(ADDRESS);
            Optional<Rechecks.Waiting> waiting = rechecks.waiting();
            while (waiting.isEmpty() || waiting.get().nextTry() < waitingFor) {
                assertFalse(check.isDone(), () -> "the check ended before try " + waitingFor + ": " + check.join());
                Thread.sleep(20);
                waiting = rechecks.waiting();
            }
            assertEquals(new Rechecks.Waiting(1, waiting.get().next(), waitingFor, tries), waiting.get());
            assertTrue(waiting.get().next().compareTo(Duration.ofSeconds(hint)) <= 0, waiting::toString);

            rechecks.stop();
            CheckResult r = check.join();
            assertEquals(Reason.TEMPORARY_FAILURE, r.reason(), r::detail);
            assertEquals(answerTries, r.tries());
            assertEquals(Optional.empty(), rechecks.waiting());
            CheckResult after = rechecks.check(ADDRESS).join();
            assertEquals(1, after.tries(), "a check after the stop was rechecked");
        }
    }

    /**
     * A recheck asks SMTP again, not DNS: on a resolver that keeps no domain ({@code check}'s, {@link MxResolver#forOneList}),
     * two addresses tried three times each cost one MX query, the run's own. (Before, a recheck went round the run's
     * map of domains: a query for every recheck of every address.)
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRecheckTakesItsDomainFromTheRunNotFromDns() {
        try (FakeSmtpServer always451 = new FakeSmtpServer(c -> {
                c.send("220 fake.test ESMTP\r\n");
                c.serve(verb -> verb.equals("RCPT") ? "451 4.7.1 Try again later\r\n" : FakeSmtpServer.ordinary(verb));
             });
             MxResolver dns = MxResolver.forOneList(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 8, true, 0);
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withHelo("prober.test").withPort(always451.port())
                     .withStarttls(false).withPerHostSessions(1).withSessions(4)
                     .withLinger(Duration.ofMillis(50)), Pacing.off())) {
            Rechecks rechecks = new Rechecks(new Checker(dns).withSmtp(prober), new Recheck(3, Duration.ofSeconds(4)));
            List<CompletableFuture<CheckResult>> checks = List.of(rechecks.check(ADDRESS), rechecks.check("other@strict.smtp.test"));
            for (CompletableFuture<CheckResult> check : checks) {
                CheckResult r = check.join();
                assertEquals(Reason.TEMPORARY_FAILURE, r.reason(), r::detail);
                assertEquals(3, r.tries());
            }
            assertEquals(1, dns.mxQueries());
        }
    }

    /**
     * A recheck that breaks (a defect: the checker never fails on its own, so the try here is one that does) keeps
     * the answer the earlier try gave, and its detail names the log line that holds the defect's stack.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRecheckThatBreaksKeepsTheEarlierAnswerAndNamesTheDefect() {
        Reason deferred = Reason.TEMPORARY_FAILURE;
        CheckResult greylisted = CheckResult.builder(ADDRESS).normalized(ADDRESS).domain("strict.smtp.test")
                .domainUnicode("strict.smtp.test").reason(deferred).detail("Greylisted.").build();
        AtomicInteger tries = new AtomicInteger();
        Rechecks rechecks = new Rechecks(null, new Recheck(2, Duration.ofMillis(200)),
                input -> tries.incrementAndGet() == 1 ? CompletableFuture.completedFuture(greylisted)
                        : CompletableFuture.failedFuture(new IllegalStateException("the second try breaks")));
        try (LoggedDefects log = new LoggedDefects()) {
            CheckResult r = rechecks.check(ADDRESS).join();
            assertEquals(2, tries.get());
            assertEquals(deferred, r.reason());
            assertEquals(1, r.tries(), "the answer of the try that gave one");
            assertEquals(LoggedDefects.withIdOf(r.detail(), "Greylisted. Try 2 failed (internal error ID)."), r.detail());
            log.assertLogged(r.detail(), IllegalStateException.class, "the second try breaks", "RechecksTest");
        }
    }
}
