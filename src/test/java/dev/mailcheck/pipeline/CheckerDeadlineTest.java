package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.smtp.Stage;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A check that outlives its deadline ends as an unknown that says so, at whichever stage it is: stage
 * timeouts here are far longer than the deadline, so only the deadline can end these checks. The
 * {@code @Timeout} stops a hang; it measures nothing.
 */
class CheckerDeadlineTest {

    private static final String ZONE = """
            $ORIGIN deadline.test.
            $TTL 300
            tarpit     MX    10 mx
            busy       MX    10 mx
            mx         A     127.0.0.1
            """;
    private static final Duration LONG = Duration.ofSeconds(60);
    /** Long enough for the fake DNS server's answer and the connect on a loaded two-core machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(3);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # where the check is when the deadline passes            | reasons                        | addresses
            DNS: the resolver never answers                          | DNS_FAILURE                    | 1
            SMTP: the mail host never greets                         | SMTP_UNREACHABLE               | 1
            SMTP: 30 addresses, one session that never ends          | SMTP_UNREACHABLE UNVERIFIABLE  | 30
            """)
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCheckPastItsDeadlineIsAnUnknownThatSaysSo(String where, String reasons, int addresses) {
        boolean dnsSilent = where.startsWith("DNS");
        try (FakeDnsServer dns = new FakeDnsServer(dnsSilent ? (q, t) -> null : FakeDnsServer.zone(ZONE));
             FakeSmtpServer tarpit = new FakeSmtpServer(c -> Thread.sleep(LONG.toMillis()));
             MxResolver resolver = new MxResolver(List.of(dns.address()), LONG, 8, true);
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withHelo("prober.test").withPort(tarpit.port())
                     .withStarttls(false)
                     .withTimeouts(Map.of(Stage.CONNECT, LONG, Stage.GREETING, LONG)).withPerHostSessions(1)
                     .withSessions(1).withLinger(Duration.ofMillis(50)), Pacing.off())) {
            Checker checker = new Checker(resolver).withSmtp(prober).withDeadline(DEADLINE);
            List<CompletableFuture<CheckResult>> all = java.util.stream.IntStream.range(0, addresses)
                    .mapToObj(i -> checker.check("user" + i + "@tarpit.deadline.test")).toList();
            for (CompletableFuture<CheckResult> f : all) {
                CheckResult r = f.join();
                // Those the session was asking about had no answer; those queued behind it were never tried.
                assertTrue(List.of(reasons.split(" ")).contains(r.reason().name()), r::detail);
                assertEquals(Verdict.UNKNOWN, r.verdict());
                assertTrue(r.detail().contains("the check's deadline of " + DEADLINE.toSeconds() + " s"), r.detail());
            }
        }
    }

    /** A list run holds its domains' lookups to the deadline with one timer for all: each address still ends on time. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aListRunsAddressesEndAtTheDeadlineWhenDnsNeverAnswers() {
        try (FakeDnsServer dns = new FakeDnsServer((q, t) -> null);
             MxResolver resolver = new MxResolver(List.of(dns.address()), LONG, 8, true)) {
            Function<String, CompletableFuture<CheckResult>> list = new Checker(resolver).withDeadline(DEADLINE)
                    .sharingDomains();
            long start = System.nanoTime();
            List<CompletableFuture<CheckResult>> all = java.util.stream.IntStream.range(0, 12)
                    .mapToObj(i -> list.apply("user" + i + "@d" + i % 4 + ".deadline.test")).toList();
            for (CompletableFuture<CheckResult> f : all) {
                CheckResult r = f.join();
                assertEquals(Verdict.UNKNOWN, r.verdict());
                assertTrue(r.detail().contains("the check's deadline of " + DEADLINE.toSeconds() + " s"), r.detail());
            }
            long took = System.nanoTime() - start;
            assertTrue(took >= DEADLINE.toNanos(), "none before the deadline");
            assertTrue(took < DEADLINE.plusSeconds(10).toNanos(), "all at the deadline, not at a stage's 60 s timeout");
        }
    }

    /**
     * The transport-security report is held to the deadline too: its resolver never answers, with a query timeout
     * far past the deadline. The address keeps its own answer; the report is unknown and names the deadline.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"one check", "a list run"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theSecurityReportEndsAtTheDeadlineWhenItsResolverNeverAnswers(String how) throws Exception {
        try (FakeDnsServer dns = new FakeDnsServer(FakeDnsServer.zone(ZONE));
             FakeDnsServer silent = new FakeDnsServer((q, t) -> null);
             MxResolver resolver = new MxResolver(List.of(dns.address()), LONG, 8, true);
             TransportSecurityLookup security = new TransportSecurityLookup(List.of(silent.address()), LONG, 16, true)) {
            Checker checker = new Checker(resolver).withSecurityLookup(security).withDeadline(DEADLINE).withSecurity();
            Function<String, CompletableFuture<CheckResult>> check = how.equals("a list run") ? checker.sharingDomains()
                    : checker::check;
            CheckResult r = check.apply("user@busy.deadline.test").get(DEADLINE.plusSeconds(10).toSeconds(),
                    TimeUnit.SECONDS);
            assertEquals(Reason.ACCEPTS_MAIL, r.reason(), r::detail);
            TransportSecurity t = r.security();
            assertEquals(TransportSecurity.Dnssec.UNKNOWN, t.dnssec(), t.detail());
            assertTrue(t.detail().contains("the check's deadline of " + DEADLINE.toSeconds() + " s"), t.detail());
        }
    }
}
