package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.mailcheck.LoggedDefects;
import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.RecordedDns;
import dev.mailcheck.verdict.CheckResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Address in, verdict and predicted reply out, through the real pipeline and a real NSD, or NSD's recorded answers. */
class CheckerTest {

    /** The checker on the test NSD, started only by the tests that use it: the recorded answers need none. */
    private static final class OnNsd {
        static final Checker CHECKER = new Checker(Nsd.shared().resolver());
    }

    /** Addresses at the test zones, with what the pipeline must make of each. */
    static final String TABLE = """
            # address                              | verdict       | reason          | reply      | normalized
            someone@good.checker.test              | DELIVERABLE   | ACCEPTS_MAIL    | 250 2.1.5  | someone@good.checker.test
            Some.One@GOOD.Checker.TEST             | DELIVERABLE   | ACCEPTS_MAIL    | 250 2.1.5  | Some.One@good.checker.test
            user@bücher.checker.test               | DELIVERABLE   | ACCEPTS_MAIL    | 250 2.1.5  | user@xn--bcher-kva.checker.test
            ünïcode@good.checker.test              | DELIVERABLE   | ACCEPTS_MAIL    | 250 2.1.5  | ünïcode@good.checker.test
            user@implicit-a.checker.test           | DELIVERABLE   | ACCEPTS_MAIL    | 250 2.1.5  | user@implicit-a.checker.test
            user@nullmx.checker.test               | UNDELIVERABLE | NULL_MX         | 556 5.1.10 | user@nullmx.checker.test
            user@nullmx-a.checker.test             | UNDELIVERABLE | NULL_MX         | 556 5.1.10 | user@nullmx-a.checker.test
            user@absent.checker.test               | UNDELIVERABLE | NO_SUCH_DOMAIN  | 550 5.1.2  | user@absent.checker.test
            user@txt-only.checker.test             | UNDELIVERABLE | NO_MAIL_HOST    | 550 5.1.2  | user@txt-only.checker.test
            user@dangling.checker.test             | UNDELIVERABLE | MX_UNRESOLVABLE | 550 5.4.4  | user@dangling.checker.test
            user@servfail.test                     | UNKNOWN       | DNS_FAILURE     | 451 4.4.3  | user@servfail.test
            user@mx-servfail.checker.test          | UNKNOWN       | DNS_FAILURE     | 451 4.4.3  | user@mx-servfail.checker.test
            user@@good.checker.test                | UNDELIVERABLE | INVALID_SYNTAX  | 501 5.1.3  | -
            user@good_checker.test                 | UNDELIVERABLE | INVALID_SYNTAX  | 501 5.1.3  | -
            """;

    /** Where the answers of the test NSD to {@link #TABLE}'s queries are kept, to run the table without NSD. */
    static final String RECORDED = "/dns/checker-test-answers.json";

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = TABLE)
    void verdictAndPredictedReply(String address, Verdict verdict, Reason reason, String reply, String normalized) {
        assertResult(OnNsd.CHECKER.check(address).join(), address, verdict, reason, reply, normalized);
    }

    /** The same table on the answers NSD gave, recorded: no NSD needed (re-record with {@link #main}). */
    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = TABLE)
    void verdictAndPredictedReplyOnRecordedAnswers(String address, Verdict verdict, Reason reason, String reply,
                                                   String normalized) {
        try (FakeDnsServer recorded = new FakeDnsServer(RecordedDns.replaying(RECORDED));
             MxResolver dns = new MxResolver(List.of(recorded.address()), Duration.ofSeconds(3), 8, true)) {
            assertResult(new Checker(dns).check(address).join(), address, verdict, reason, reply, normalized);
        }
    }

    /**
     * A list run's checks ({@link Checker#sharingDomains}) answer every row as the single check does, signals
     * included; once a domain is answered, its next address's result is there when the call returns (no future
     * chain, no wait), and a second address at the domain gets its own local part in a suggestion.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = TABLE)
    void aListRunSharesEachDomainsWorkAndAnswersAlike(String address, Verdict verdict, Reason reason, String reply,
                                                      String normalized) {
        Function<String, CompletableFuture<CheckResult>> list = OnNsd.CHECKER.sharingDomains();
        CheckResult first = list.apply(address).join();
        assertEquals(OnNsd.CHECKER.check(address).join(), first);
        assertResult(first, address, verdict, reason, reply, normalized);
        CompletableFuture<CheckResult> again = list.apply(address);
        assertTrue(again.isDone(), "an answered domain's address waits for nothing");
        assertEquals(first, again.join());
        if (first.domain() != null) {
            String other = "other." + address;
            assertEquals(OnNsd.CHECKER.check(other).join(), list.apply(other).join());
        }
    }

    private static void assertResult(CheckResult r, String address, Verdict verdict, Reason reason, String reply,
                                     String normalized) {
        assertEquals(verdict, r.verdict(), r::detail);
        assertEquals(reason, r.reason(), r::detail);
        assertEquals(reply, r.predictedReply().toString());
        assertEquals(normalized, r.normalized());
        assertEquals(address, r.address());
    }

    /**
     * A defect in a stage is an unknown whose detail names the log line with the defect's stack. Here the SMTP
     * stage's threads are shut down (a real prober, closed before the check), so handing it the address throws.
     */
    @Test
    void aDefectInAStageIsLoggedWithItsStackAndNamedInTheResult() {
        try (LoggedDefects log = new LoggedDefects();
             SmtpProber closed = new SmtpProber(SmtpSettings.defaults().withHelo("prober.test").withPort(9)
                     .withStarttls(false).withPerHostSessions(1).withSessions(4)
                     .withLinger(Duration.ofMillis(50)), Pacing.off())) {
            closed.close();
            CheckResult r = new Checker(Nsd.shared().resolver()).withSmtp(closed).check("anyone@strict.smtp.test").join();
            assertEquals(Reason.SMTP_PROTOCOL_ERROR, r.reason(), r::detail);
            assertEquals(Verdict.UNKNOWN, r.verdict());
            log.assertLogged(r.detail(), RejectedExecutionException.class, null, "SmtpProber");
        }
    }

    /**
     * Records the test NSD's answers to every query {@link #TABLE} makes, into {@code args[0]} (the source tree's
     * {@code src/test/resources/dns/checker-test-answers.json}): run after changing the zones or the table.
     */
    public static void main(String[] args) throws Exception {
        Map<String, RecordedDns.Answer> answers = RecordedDns.newRecording();
        try (FakeDnsServer recorder = new FakeDnsServer(RecordedDns.recording(Nsd.shared().address(), answers));
             MxResolver dns = new MxResolver(List.of(recorder.address()), Duration.ofSeconds(3), 8, true)) {
            Checker recording = new Checker(dns);
            for (String row : TABLE.lines().filter(l -> !l.isBlank() && !l.strip().startsWith("#")).toList()) {
                recording.check(row.split("\\|")[0].strip()).join();
            }
        }
        RecordedDns.write(answers, Path.of(args[0]));
        System.exit(0); // the shared NSD's process ends with the JVM
    }
}
