package dev.mailcheck.smtp;

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
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The budgets against real Postfix (its catch-all listener, 127.0.0.2, and its strict one, 127.0.0.1): waits,
 * not failures, and a provider group's budget shared by all its hosts. Each domain needs a session of its
 * own, so N domains on one host are N new sessions.
 */
class SmtpProberPacingTest {

    private static EmailAddress address(String a) {
        return ((ParsedAddress.Valid) new AddressParser().parse(a)).address();
    }

    private static SmtpSettings settings() {
        return SmtpSettings.defaults().withHelo("prober.test").withPort(Postfix.shared().port()).withStarttls(false)
                .withLinger(Duration.ofMillis(50));
    }

    /**
     * N sessions to one MX address at 60/min: the first now, each next a second later. As many session slots as
     * domains, so that every worker reserves at once: with two, a worker let in late by a slow session (a loaded
     * machine) found the budget free and did not wait.
     */
    @ParameterizedTest(name = "{0} sessions at {1}")
    @CsvSource(textBlock = """
            4, 60/min, 3000
            3, 2/s,    1000
            """)
    void newSessionsPerMxAddressWait(int n, String rate, long atLeastMs) {
        Pacing pacing = new Pacing(true, Pacing.DEFAULT_COOL_DOWN, Pacing.perMinute(rate), 0);
        try (SmtpProber prober = new SmtpProber(settings().withPerHostSessions(n), pacing)) {
            long start = System.nanoTime();
            List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // Postfix takes the benchmark's domains d<N>.bench.smtp.test; one session per domain.
                String d = "d" + (9100 + 10 * n + i) + "." + Postfix.BENCH_DOMAIN;
                all.add(prober.probe(address("alice@" + d), domain(d, "mx.paced.test", "127.0.0.2")));
            }
            assertTrue(waitsFor(prober, "a new session with mx.paced.test"), "the progress line says what it waits for");
            all.forEach(f -> assertEquals(Reason.ACCEPT_ALL, f.join().reason(), f.join().detail()));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(elapsed >= atLeastMs, elapsed + " ms");
            assertEquals(n - 1, prober.heldBack().getFirst().waited(), prober.heldBack()::toString);
            // Each result says whether it waited, which is how a job counts it (the prober's count is per process).
            assertEquals(n - 1, all.stream().filter(f -> f.join().report().waitedForBudget()).count());
            all.forEach(f -> assertEquals("mx.paced.test", f.join().report().providerGroup()));
        }
    }

    /**
     * Four sessions to one MX address at 60/min under an RCPT budget too (600/min: a first transaction's two RCPTs
     * take 0.2 s of it): the sessions still go out a second apart. The wait for the session budget outlasts the RCPT
     * share, which is no reason to reserve both anew (before: each session but the first did, holding a global slot
     * through a second session share, so the MX address got one new session every two seconds).
     */
    @Test
    void anRcptBudgetDoesNotSlowTheNewSessionsOfAnMxAddress() {
        try (SmtpProber prober = new SmtpProber(settings(), new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 60, 600))) {
            long start = System.nanoTime();
            List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String d = "d" + (9500 + i) + "." + Postfix.BENCH_DOMAIN;
                all.add(prober.probe(address("alice@" + d), domain(d, "mx.paced.test", "127.0.0.2")));
            }
            all.forEach(f -> assertEquals(Reason.ACCEPT_ALL, f.join().reason(), f.join().detail()));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(elapsed >= 3_000 && elapsed < 5_000, elapsed + " ms");
            assertEquals(4, prober.connections());
        }
    }

    /**
     * A budget of one new session a minute, or of ten RCPTs (the first domain's two take 12 s of it, 6 s apart), and
     * a second domain on the same MX whose check's 2 s deadline passes while it waits for it: that address was never asked, so it says "not tried" (not "no answer … a long wait for a free
     * connection"), and it is counted as having waited, in its result and in the prober's summary.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            a new session, 1/min, 0,     9300
            RCPTs,         0,     10/min, 9310
            """)
    void aBudgetWaitPastTheChecksDeadlineIsNotTried(String budget, String sessions, String rcpts, int firstDomain) {
        Pacing pacing = new Pacing(true, Pacing.DEFAULT_COOL_DOWN, Pacing.perMinute(sessions), Pacing.perMinute(rcpts));
        try (SmtpProber prober = new SmtpProber(settings(), pacing)) {
            String first = "d" + firstDomain + "." + Postfix.BENCH_DOMAIN;
            String second = "d" + (firstDomain + 1) + "." + Postfix.BENCH_DOMAIN;
            SmtpOutcome asked = prober.probe(address("alice@" + first), domain(first, "mx.paced.test", "127.0.0.2"))
                    .join();
            assertEquals(Reason.ACCEPT_ALL, asked.reason(), asked::detail);
            SmtpOutcome waited = prober.probe(address("alice@" + second), domain(second, "mx.paced.test", "127.0.0.2"),
                    System.nanoTime() + Duration.ofSeconds(2).toNanos(), "2 s").join();
            assertEquals(Reason.UNVERIFIABLE, waited.reason(), budget + ": " + waited.detail());
            assertTrue(waited.detail().startsWith("Not tried: the request's time ran out (the check's deadline of 2 s)"),
                    waited.detail());
            assertTrue(waited.report().waitedForBudget(), budget);
            assertEquals("mx.paced.test", waited.report().providerGroup());
            assertEquals(List.of(new HeldBack("mx.paced.test", 0, 1)), prober.heldBack());
        }
    }

    /**
     * RCPTs per provider group: two MX addresses of one group (Microsoft's) share one budget, so four
     * domains over the two wait three intervals; the same hosts in no group wait one each. Each domain's first
     * transaction has two RCPTs, its catch-all test's and the address's, so an interval is two seconds at 60/min.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            one group,  a.mail.protection.outlook.com, b.mail.protection.outlook.com, 6000, 60000
            two groups, mx.a-own.test,                 mx.b-own.test,                 2000, 5900
            """)
    void aProviderGroupSharesItsRcptBudgetAcrossItsHosts(String scenario, String hostA, String hostB, long atLeastMs,
                                                         long atMostMs) {
        Pacing pacing = new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 0, 60);
        try (SmtpProber prober = new SmtpProber(settings(), pacing)) {
            long start = System.nanoTime();
            List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String d = "d" + (9200 + 10 * atLeastMs / 1000 + i) + "." + Postfix.BENCH_DOMAIN;
                // 127.0.0.2 and 127.0.0.1 are two listeners of one Postfix: alice exists at both.
                all.add(prober.probe(address("alice@" + d), i % 2 == 0 ? domain(d, hostA, "127.0.0.2")
                        : domain(d, hostB, "127.0.0.1")));
            }
            all.forEach(f -> assertTrue(f.join().reason() == Reason.ACCEPT_ALL || f.join().reason() == Reason.MAILBOX_ACCEPTED,
                    f.join().detail()));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(elapsed >= atLeastMs && elapsed <= atMostMs, scenario + ": " + elapsed + " ms");
            assertEquals(8, prober.rcpts(), scenario);
        }
    }

    /**
     * One global slot, held for six seconds by a slow server's session, while three domains of another group
     * wait for it with their RCPT budget (60/min, two RCPTs each) long passed: when the slot frees up they must
     * still go out two seconds apart, not together (the burst the budget exists to prevent).
     */
    @Test
    void aWaitForAGlobalSlotDoesNotBunchABudgetsRcpts() throws Exception {
        Map<String, Long> firstRcpt = new ConcurrentHashMap<>();
        try (FakeSmtpServer server = rcptWatcher(FakeSmtpServer.ordinary("EHLO"), line -> {
            String domain = line.substring(line.indexOf('@') + 1, line.indexOf('>'));
            firstRcpt.putIfAbsent(domain, System.nanoTime());
            if (domain.equals("slow.test")) {
                Thread.sleep(3_000);
            }
        })) {
            SmtpSettings settings = settings().withPort(server.port()).withSessions(1).withPerHostSessions(10);
            try (SmtpProber prober = new SmtpProber(settings, new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 0, 60))) {
                CompletableFuture<SmtpOutcome> slow = prober.probe(address("alice@slow.test"),
                        domain("slow.test", "mx.slow.test", "127.0.0.1"));
                while (!firstRcpt.containsKey("slow.test")) {
                    Thread.sleep(10);
                }
                List<CompletableFuture<SmtpOutcome>> fast = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    String d = "fast" + i + ".test";
                    fast.add(prober.probe(address("bob@" + d), domain(d, "mx.fast.test", "127.0.0.1")));
                }
                assertEquals(Reason.ACCEPT_ALL, slow.join().reason(), slow.join().detail());
                fast.forEach(f -> assertEquals(Reason.ACCEPT_ALL, f.join().reason(), f.join().detail()));
                List<Long> starts = firstRcpt.entrySet().stream().filter(e -> e.getKey().startsWith("fast"))
                        .map(Map.Entry::getValue).sorted().toList();
                for (int i = 1; i < starts.size(); i++) {
                    long gap = Duration.ofNanos(starts.get(i) - starts.get(i - 1)).toMillis();
                    assertTrue(gap >= 1_500, "transaction " + i + " began " + gap + " ms after the one before");
                }
            }
        }
    }

    /**
     * Five addresses of one domain in one transaction, on a server that offers PIPELINING, at 120 RCPTs a minute: the
     * transaction's six RCPTs (the catch-all test's first) go half a second apart, not as one pipelined burst, so that
     * no minute sees more than the budget. Without a budget they still go out as one group.
     */
    @ParameterizedTest(name = "{0}/min")
    @CsvSource(textBlock = """
            120, 450, 6
            0,   0,   2
            """)
    void aTransactionsRcptsAreSpacedByTheBudget(int perMinute, long leastGapMs, int writes) throws Exception {
        List<Long> rcptAt = Collections.synchronizedList(new ArrayList<>());
        try (FakeSmtpServer server = rcptWatcher("250-fake.test\r\n250 PIPELINING\r\n",
                line -> rcptAt.add(System.nanoTime()))) {
            SmtpSettings settings = settings().withPort(server.port()).withRcptsPerTransaction(10);
            try (SmtpProber prober = new SmtpProber(settings, new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 0, perMinute))) {
                List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
                for (String user : List.of("a1", "a2", "a3", "a4", "a5")) {
                    all.add(prober.probe(address(user + "@spaced.test"), domain("spaced.test", "mx.spaced.test",
                            "127.0.0.1")));
                }
                all.forEach(f -> assertEquals(Reason.ACCEPT_ALL, f.join().reason(), f.join().detail()));
                assertEquals(6, prober.rcpts());
                assertEquals(1, prober.connections());
            }
        }
        // Each RCPT no sooner than its turn, counted from the first (a late one does not move the turns after it).
        for (int i = 1; i < rcptAt.size(); i++) {
            long after = Duration.ofNanos(rcptAt.get(i) - rcptAt.getFirst()).toMillis();
            assertTrue(after >= i * leastGapMs, "RCPT " + i + " came " + after + " ms after the first");
        }
        // Without a budget: the catch-all test's RCPT, then the five pipelined (the server reads them one by one).
        assertTrue(perMinute > 0 || Duration.ofNanos(rcptAt.getLast() - rcptAt.get(1)).toMillis() < 200 * writes);
    }

    /**
     * One global slot and one per MX address; a domain of three addresses, two per transaction, at 30 RCPTs a minute
     * (2 s each), and another worker of the stack (a Lambda instance sharing the budget) that reserves four of the
     * group's RCPTs while the domain's first transaction runs: the session then waits some 8 s for its next
     * transaction's budget, and a domain of another group that queues for the slot meanwhile gets it at once, since
     * the idle session gives it up; the first domain's next transaction still keeps to the budget, on a new session.
     * Before, the idle session kept the slot until its last transaction.
     */
    @Test
    void aSessionWaitingForItsBudgetGivesItsSlotToAWorkerReadyToGo() throws Exception {
        SmtpSettings settings = settings().withSessions(1).withPerHostSessions(1).withRcptsPerTransaction(2);
        RateBudget shared = new LocalRateBudget();
        try (SmtpProber prober = new SmtpProber(settings, new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 0, 30),
                new LocalBreakerState(), shared, InstantSource.system())) {
            String big = "d9400." + Postfix.BENCH_DOMAIN;
            String other = "d9401." + Postfix.BENCH_DOMAIN;
            long start = System.nanoTime();
            List<CompletableFuture<SmtpOutcome>> bigs = new ArrayList<>();
            for (String user : List.of("a1", "a2", "a3")) {
                bigs.add(prober.probe(address(user + "@" + big), domain(big, "mx.big.test", "127.0.0.2")));
            }
            while (prober.rcpts() == 0) {
                Thread.sleep(10);
            }
            shared.reserve("rcpt mx.big.test", 4, 30, Instant.now());
            assertTrue(waitsFor(prober, "RCPTs at mx.big.test"), "the session waits between its transactions");
            long queued = System.nanoTime();
            SmtpOutcome ready = prober.probe(address("alice@" + other), domain(other, "mx.other.test", "127.0.0.1"))
                    .join();
            long waitedMs = Duration.ofNanos(System.nanoTime() - queued).toMillis();
            assertEquals(Reason.MAILBOX_ACCEPTED, ready.reason(), ready::detail);
            // At most a second for the slot, then its own two RCPTs 2 s apart.
            assertTrue(waitedMs < 5_000, "the ready domain waited " + waitedMs + " ms for the idle session's slot");
            bigs.forEach(f -> assertEquals(Reason.ACCEPT_ALL, f.join().reason(), f.join().detail()));
            long bigMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            // Its last transaction begins once its first (two or three RCPTs) and the other worker's four had 2 s each.
            assertTrue(bigMs >= 11_900, "the big domain kept to its budget: " + bigMs + " ms");
            assertEquals(6, prober.rcpts());
            assertEquals(3, prober.connections());
        }
    }

    /** What a {@link #rcptWatcher} does with each RCPT line as it comes, before the reply (it may hold it). */
    @FunctionalInterface
    private interface RcptHook {
        void heard(String line) throws InterruptedException;
    }

    /** A well-behaved fake server (its EHLO reply {@code ehlo}) that shows {@code hook} each RCPT: when, and for whom. */
    private static FakeSmtpServer rcptWatcher(String ehlo, RcptHook hook) {
        return new FakeSmtpServer(c -> {
            c.send("220 fake.test ESMTP\r\n");
            String line;
            while ((line = c.readLine()) != null) {
                String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
                if (verb.equals("RCPT")) {
                    hook.heard(line);
                }
                c.send(verb.equals("EHLO") ? ehlo : FakeSmtpServer.ordinary(verb));
                if (verb.equals("QUIT")) {
                    return;
                }
            }
        });
    }

    private static MailDomain domain(String name, String mxHost, String address) {
        return new MailDomain(name, Reason.ACCEPTS_MAIL, "", List.of(new MxHost(10, mxHost, List.of(address))), null,
                false, 60, Map.of());
    }

    private static boolean waitsFor(SmtpProber prober, String what) {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until) {
            String w = prober.waitingFor();
            if (w != null && w.contains(what)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }
}
