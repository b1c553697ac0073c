package dev.mailcheck.smtp;

import static dev.mailcheck.testbed.FakeSmtpServer.ordinary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.HeldBack;
import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.Postfix;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The block breaker against a scripted server (FakeSmtpServer): providers' refusals of the prober itself
 * can't be had from a real MTA on demand. Many domains share one MX host, as customers of one provider do.
 */
class SmtpProberBreakerTest {

    private static final Duration STAGE = Duration.ofSeconds(2);
    /** The breaker with no budgets: these tests count sessions, not time. */
    private static final Pacing BREAKER_ONLY = new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 0, 0);

    /** A server that answers {@code verb} with {@code refusal} and everything else as a plain server does. */
    private static FakeSmtpServer refusing(String verb, String refusal) {
        return refusing(InetAddress.getLoopbackAddress(), 0, verb, refusal);
    }

    private static FakeSmtpServer refusing(InetAddress bind, int port, String verb, String refusal) {
        return new FakeSmtpServer(bind, port, c -> {
            if (verb.equals("GREETING")) {
                c.send(refusal + "\r\n");
                c.readLine();
                return;
            }
            if (verb.equals("EHLO")) {
                // refuses EHLO and hangs up: the prober's HELO fallback, before the fix, met a closed connection
                c.send("220 mx.provider.test ESMTP\r\n");
                c.readLine();
                c.send(refusal + "\r\n");
                return;
            }
            c.send("220 mx.provider.test ESMTP\r\n");
            c.serve(v -> v.equals(verb) ? refusal + "\r\n" : ordinary(v));
        });
    }

    private static SmtpSettings settings(int port) {
        return SmtpSettings.defaults().withHelo("prober.test").withPort(port).withStarttls(false)
                .withTimeouts(Map.of(Stage.GREETING, STAGE, Stage.EHLO, STAGE, Stage.MAIL, STAGE, Stage.RCPT, STAGE))
                .withLinger(Duration.ofMillis(50));
    }

    private static MailDomain domain(String name, String mxHost, String address) {
        return new MailDomain(name, Reason.ACCEPTS_MAIL, "", List.of(new MxHost(10, mxHost, List.of(address))), null,
                false, 60, Map.of());
    }

    private static EmailAddress address(String a) {
        return ((ParsedAddress.Valid) new AddressParser().parse(a)).address();
    }

    /** One address at each of {@code n} domains (named by {@code name}) whose only MX is {@code mxHost}, all asked at once. */
    private static List<SmtpOutcome> probeDomains(SmtpProber prober, int n, IntFunction<String> name, String mxHost,
                                                  String ip) {
        List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String d = name.apply(i);
            all.add(prober.probe(address("someone@" + d), domain(d, mxHost, ip)));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            reputation at the greeting | GREETING | 554 5.7.0 Mail from 127.0.0.1 refused by Proofpoint Reputation Services
            block list at RCPT         | RCPT     | 550 5.7.1 Unfortunately, messages from [127.0.0.1] weren't sent. Part of their network is on our block list (S3150).
            Spamhaus at MAIL FROM      | MAIL     | 554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org
            volume deferral at RCPT    | RCPT     | 421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints
            IP turned away at greeting | GREETING | 421 Too many concurrent SMTP connections from this IP address; please try again later.
            Spamhaus at EHLO, hang up  | EHLO     | 554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org
            """)
    void aHostThatRefusesTheProberIsLeftAloneAfterAtMostThreeSessions(String scenario, String verb, String refusal) {
        try (FakeSmtpServer server = refusing(verb, refusal);
             SmtpProber prober = new SmtpProber(settings(server.port()), BREAKER_ONLY)) {
            List<SmtpOutcome> outcomes = probeDomains(prober, 30, i -> "refused" + i + ".test",
                    "mx.pphosted.test", "127.0.0.1");
            assertTrue(server.connections() <= 3, scenario + ": " + server.connections() + " sessions");
            long notTried = outcomes.stream().filter(o -> o.detail().startsWith("Not tried: ")).count();
            for (SmtpOutcome o : outcomes) {
                Reason expected = verb.equals("RCPT") && refusal.startsWith("421") && !o.detail().startsWith("Not tried")
                        ? Reason.TEMPORARY_FAILURE : Reason.SMTP_BLOCKED;
                assertEquals(expected, o.reason(), o::detail);
            }
            assertTrue(notTried >= 30 - server.connections(), scenario + ": " + notTried + " not tried");
            SmtpOutcome last = outcomes.stream().filter(o -> o.detail().startsWith("Not tried: ")).findFirst().orElseThrow();
            assertTrue(last.detail().contains("mx.pphosted.test (127.0.0.1)") && last.detail().contains(refusal.substring(0, 20)),
                    last.detail());
            assertEquals(List.of(new HeldBack("mx.pphosted.test", notTried, 0)), prober.heldBack());
            // Each result says so too, which is how a job counts what it held back (the prober's count is per process).
            for (SmtpOutcome o : outcomes) {
                assertEquals("mx.pphosted.test", o.report().providerGroup(), o::detail);
                assertEquals(o.detail().startsWith("Not tried: "), o.report().notTriedByBreaker(), o::detail);
                assertEquals(false, o.report().waitedForBudget(), o::detail);
            }
        }
    }

    /**
     * A refusal of DATA naming a block list (some filters judge the client only once the message is to come): 30
     * domains, at most 3 sessions. Before, the DATA reply never reached the breaker: 30 sessions (found by a review).
     */
    @Test
    void aRefusalAtDataTripsTheBreakerToo() {
        String refusal = "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org";
        try (FakeSmtpServer server = refusing("DATA", refusal);
             SmtpProber prober = new SmtpProber(settings(server.port()).withData(true), BREAKER_ONLY)) {
            List<SmtpOutcome> outcomes = probeDomains(prober, 30, i -> "data" + i + ".test", "mx.pphosted.test",
                    "127.0.0.1");
            assertTrue(server.connections() <= 3, server.connections() + " sessions");
            assertTrue(outcomes.stream().filter(o -> o.detail().startsWith("Not tried: ")).count() >= 27,
                    () -> outcomes.stream().map(SmtpOutcome::detail).toList().toString());
        }
    }

    /**
     * Once a RCPT reply has left the host blocked, the transaction asks nothing more: one RCPT (the catch-all test's)
     * for six addresses held together, where it went on asking until its error budget was spent (found by a review).
     */
    @Test
    void aTransactionStopsAtTheRcptThatBlocksTheProber() {
        String refusal = "550 5.7.1 Client host [127.0.0.1] blocked using zen.spamhaus.org";
        try (FakeSmtpServer server = refusing("RCPT", refusal);
             SmtpProber prober = new SmtpProber(settings(server.port()), BREAKER_ONLY)) {
            MailDomain d = domain("six.test", "mx.pphosted.test", "127.0.0.1");
            List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(prober.probe(address("user" + i + "@six.test"), d));
            }
            all.forEach(CompletableFuture::join);
            long rcpts = server.received().stream().filter(l -> l.toUpperCase(java.util.Locale.ROOT).startsWith("RCPT"))
                    .count();
            assertEquals(1, rcpts, server.received().toString());
            all.forEach(f -> assertEquals(Reason.SMTP_BLOCKED, f.join().reason(), f.join().detail()));
        }
    }

    /** Real Postfix refusing the client as block-listed (at RCPT, as Postfix delays client restrictions): 30 domains. */
    @Test
    void realPostfixThatNamesABlockListAtRcptGetsAtMostThreeSessions() {
        Postfix postfix = Postfix.shared();
        int mark = postfix.logMark();
        try (SmtpProber prober = new SmtpProber(settings(postfix.port()), BREAKER_ONLY)) {
            List<SmtpOutcome> outcomes = probeDomains(prober, 30,
                    i -> "d" + (9500 + i) + "." + Postfix.BENCH_DOMAIN, "mx-blocked.smtp.test", "127.0.0.5");
            long sessions = Postfix.connections(postfix.logSince(mark));
            assertTrue(sessions >= 1 && sessions <= 3, sessions + " sessions");
            outcomes.forEach(o -> assertEquals(Reason.SMTP_BLOCKED, o.reason(), o::detail));
            long notTried = outcomes.stream().filter(o -> o.detail().startsWith("Not tried: ")).count();
            assertTrue(notTried >= 30 - 3 * 2, notTried + " not tried"); // a session asks its domain's one address
            assertTrue(outcomes.stream().anyMatch(o -> o.detail().contains("Client host rejected: Your IP has been found"
                    + " on a block list")), "the refusal is quoted");
        }
    }

    /**
     * Real Postfix, two hosts of one provider group (Microsoft's) at 60 RCPTs a minute: a domain of four addresses,
     * two per transaction, whose session waits for its next transaction's budget while another domain's RCPT meets
     * "banned sending IP" and trips the breaker. Once its wait is over, the waiting session sends nothing more (its
     * addresses are "not tried"): before (found by a review) it looked at the breaker before its wait, not after, and
     * sent a MAIL FROM to the blocked group.
     */
    @Test
    void aSessionThatWaitedForItsBudgetAsksNothingOnceTheBreakerHasTripped() {
        Postfix postfix = Postfix.shared();
        int mark = postfix.logMark();
        SmtpSettings settings = settings(postfix.port()).withRcptsPerTransaction(2).withPerHostSessions(1);
        try (SmtpProber prober = new SmtpProber(settings, new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 0, 60))) {
            String big = "d9600." + Postfix.BENCH_DOMAIN;
            List<CompletableFuture<SmtpOutcome>> bigs = new ArrayList<>();
            for (String user : List.of("a1", "a2", "a3", "a4")) {
                bigs.add(prober.probe(address(user + "@" + big), domain(big, "a.mail.protection.outlook.com",
                        "127.0.0.2")));
            }
            // Once the first transaction has begun, the other domain reserves its share of the group's budget: the
            // session's next transaction waits for it, and the trip comes during that wait.
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (prober.rcpts() == 0 && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            SmtpOutcome banned = prober.probe(address("banned@strict.smtp.test"),
                    domain("strict.smtp.test", "b.mail.protection.outlook.com", "127.0.0.1")).join();
            assertEquals(Reason.SMTP_BLOCKED, banned.reason(), banned::detail);
            List<SmtpOutcome> outcomes = bigs.stream().map(CompletableFuture::join).toList();
            // The first transaction asks one or two of them, as many as were queued when the worker took them.
            assertTrue(outcomes.stream().allMatch(o -> o.reason() == Reason.ACCEPT_ALL || o.detail().startsWith("Not tried: "))
                            && outcomes.stream().filter(o -> o.detail().startsWith("Not tried: ")).count() >= 2,
                    () -> outcomes.stream().map(SmtpOutcome::detail).toList().toString());
        }
        // Postfix's "disconnect" line counts each session's commands: "mail=1", or "mail=accepted/sent".
        long mails = Pattern.compile(" mail=(?:\\d+/)?(\\d+)").matcher(postfix.logSince(mark)).results()
                .mapToLong(m -> Long.parseLong(m.group(1))).sum();
        assertEquals(2, mails, "a MAIL FROM for each domain's first transaction, none after the trip");
    }

    /**
     * Refusals about one mailbox, about one sender domain's authentication, or a vague policy heard at one
     * domain only: the next domain on the same host is still probed. A vague policy refusal at a second
     * domain trips it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no such mailbox                | RCPT | 550 5.1.1 <someone@x.test>: Recipient address rejected: User unknown   | 1 | false
            mailbox disabled               | RCPT | 550 5.2.1 The email account that you tried to reach is disabled        | 1 | false
            DMARC policy of one domain     | RCPT | 550 5.7.1 Email rejected per DMARC policy for example.com             | 3 | false
            SPF at MAIL FROM               | MAIL | 550 5.7.23 Reject due to SPF policy of the sender's domain            | 3 | false
            sender address rejected        | MAIL | 553 5.7.1 <x@example.com>: Sender address rejected: not owned by user | 3 | false
            relay denied at two domains    | RCPT | 554 5.7.1 <someone@x.test>: Relay access denied                       | 3 | false
            greylisting                    | RCPT | 450 4.2.0 Recipient address rejected: Greylisted                      | 3 | false
            vague policy at one domain     | RCPT | 554 5.7.9 Message not accepted for policy reasons                     | 1 | false
            vague policy at two domains    | RCPT | 554 5.7.9 Message not accepted for policy reasons                     | 2 | true
            """)
    void noFalseTrips(String scenario, String verb, String refusal, int refusingDomains, boolean trips) {
        AtomicInteger sessions = new AtomicInteger();
        try (FakeSmtpServer server = new FakeSmtpServer(c -> {
            boolean refuse = sessions.incrementAndGet() <= refusingDomains;
            c.send("220 mx.provider.test ESMTP\r\n");
            c.serve(v -> refuse && v.equals(verb) ? refusal + "\r\n" : ordinary(v));
        });
             SmtpProber prober = new SmtpProber(settings(server.port()), BREAKER_ONLY)) {
            for (int i = 0; i < refusingDomains; i++) {
                prober.probe(address("someone@first" + i + ".test"), domain("first" + i + ".test", "mx.provider.test",
                        "127.0.0.1")).join();
            }
            SmtpOutcome next = prober.probe(address("someone@next.test"), domain("next.test", "mx.provider.test",
                    "127.0.0.1")).join();
            assertEquals(trips, next.detail().startsWith("Not tried: "), () -> scenario + ": " + next.detail());
            assertEquals(trips ? refusingDomains : refusingDomains + 1, server.connections(), scenario);
            if (!trips) {
                assertEquals(Reason.ACCEPT_ALL, next.reason(), next::detail); // the scripted server takes any mailbox
            }
        }
    }

    /** Every MX host of a provider group shares its block: Microsoft's second host is never dialled. */
    @Test
    void aBlockCoversTheWholeProviderGroup() throws Exception {
        try (FakeSmtpServer first = refusing("GREETING",
                "554 5.7.606 Access denied, banned sending IP [127.0.0.1]. To request removal visit https://sender.office.com/");
             FakeSmtpServer second = new FakeSmtpServer(InetAddress.getByName("127.0.0.2"), first.port(), c -> {
                 c.send("220 second ESMTP\r\n");
                 c.serve(FakeSmtpServer::ordinary);
             });
             SmtpProber prober = new SmtpProber(settings(first.port()), BREAKER_ONLY)) {
            SmtpOutcome refused = prober.probe(address("a@one.test"),
                    domain("one.test", "one-test.mail.protection.outlook.com", "127.0.0.1")).join();
            SmtpOutcome other = prober.probe(address("b@two.test"),
                    domain("two.test", "two-test.mail.protection.outlook.com", "127.0.0.2")).join();
            assertEquals(Reason.SMTP_BLOCKED, refused.reason(), refused::detail);
            assertEquals(Reason.SMTP_BLOCKED, other.reason(), other::detail);
            assertTrue(other.detail().startsWith("Not tried: one-test.mail.protection.outlook.com (127.0.0.1)")
                    && other.detail().contains("provider group microsoft"), other.detail());
            assertEquals(0, second.connections());
        }
    }

    /** After the cool-down (an injected clock, moved on) the group is probed again. */
    @Test
    void aCoolDownEndsAndProbingResumes() {
        AtomicInteger sessions = new AtomicInteger();
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T00:00:00Z"));
        InstantSource clock = now::get;
        try (FakeSmtpServer server = new FakeSmtpServer(c -> {
            if (sessions.incrementAndGet() == 1) {
                c.send("554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org\r\n");
                c.readLine();
                return;
            }
            c.send("220 mx.provider.test ESMTP\r\n");
            c.serve(FakeSmtpServer::ordinary);
        });
             SmtpProber prober = new SmtpProber(settings(server.port()), BREAKER_ONLY,
                     new LocalBreakerState(), new LocalRateBudget(), clock)) {
            assertEquals(Reason.SMTP_BLOCKED, prober.probe(address("a@c1.test"), domain("c1.test", "mx.c.test",
                    "127.0.0.1")).join().reason());
            now.set(now.get().plus(Duration.ofMinutes(29)));
            SmtpOutcome during = prober.probe(address("a@c2.test"), domain("c2.test", "mx.c.test", "127.0.0.1")).join();
            assertTrue(during.detail().startsWith("Not tried: ") && during.detail().contains("until 2026-12-07T00:30:00Z"),
                    during.detail());
            assertEquals(1, server.connections());
            now.set(now.get().plus(Duration.ofMinutes(2)));
            SmtpOutcome after = prober.probe(address("a@c3.test"), domain("c3.test", "mx.c.test", "127.0.0.1")).join();
            assertEquals(Reason.ACCEPT_ALL, after.reason(), after::detail); // the scripted server takes any mailbox
            assertEquals(2, server.connections());
        }
    }
}
