package dev.mailcheck.smtp;

import static dev.mailcheck.testbed.FakeSmtpServer.ordinary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.FakeSmtpServer.Script;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every probe completes, whatever breaks and wherever: server faults at each stage, exceptions from
 * inside the session code, tarpits shared by many domains, stale connections, a 421 and a close. The
 * {@code @Timeout}s only stop a hang (the bug these tests catch); they measure nothing.
 */
class SmtpProberCompletionTest {

    /** Far above a fake's reply time even on a loaded two-core machine, so only a tarpit ever reaches it. */
    private static final Duration STAGE = Duration.ofSeconds(2);
    private static final AddressParser PARSER = new AddressParser();

    private static SmtpSettings settings(int port, boolean data, int rcptsPerTransaction, Duration linger) {
        return SmtpSettings.defaults().withHelo("prober.test").withPort(port).withData(data).withStarttls(false)
                .withTimeouts(Map.of(Stage.CONNECT, STAGE, Stage.GREETING, STAGE, Stage.EHLO, STAGE, Stage.MAIL, STAGE,
                        Stage.RCPT, STAGE, Stage.DATA, STAGE, Stage.RSET, STAGE, Stage.QUIT, STAGE))
                .withRcptsPerTransaction(rcptsPerTransaction).withLinger(linger);
    }

    private static MailDomain domain(String name, String... mxAddresses) {
        List<MxHost> mx = new ArrayList<>();
        for (int i = 0; i < mxAddresses.length; i++) {
            mx.add(new MxHost(10 * (i + 1), "mx" + i + "." + name, List.of(mxAddresses[i])));
        }
        return new MailDomain(name, Reason.ACCEPTS_MAIL, "", mx, null, false, 300, Map.of());
    }

    private static EmailAddress address(String s) {
        return ((ParsedAddress.Valid) PARSER.parse(s)).address();
    }

    private static List<SmtpOutcome> joinAll(List<CompletableFuture<SmtpOutcome>> futures) {
        return futures.stream().map(CompletableFuture::join).toList();
    }

    /** Where the fault strikes, as the server's script or as something the prober is given. */
    record Fault(String name, Script script, String domainName, EmailAddress poisoned, boolean unknowns) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Answers ordinarily until the {@code n}-th command with {@code verb}, then hangs up without a word. */
    private static Script dropAt(String verb, int n) {
        return c -> {
            c.send("220 fake\r\n");
            AtomicInteger seen = new AtomicInteger();
            c.serve(v -> v.equals(verb) && seen.incrementAndGet() == n ? null : ordinary(v));
        };
    }

    static Stream<Fault> faults() {
        Script ordinary = c -> {
            c.send("220 fake\r\n");
            c.serve(FakeSmtpServer::ordinary);
        };
        return Stream.of(
                new Fault("connection dropped before the greeting", c -> { }, "drop.test", null, true),
                new Fault("dropped at EHLO", dropAt("EHLO", 1), "drop.test", null, true),
                new Fault("dropped at MAIL", dropAt("MAIL", 1), "drop.test", null, true),
                new Fault("dropped at the catch-all RCPT", dropAt("RCPT", 1), "drop.test", null, true),
                new Fault("dropped at the third RCPT", dropAt("RCPT", 3), "drop.test", null, true),
                new Fault("dropped at DATA", dropAt("DATA", 1), "drop.test", null, true),
                new Fault("dropped at RSET, between transactions", dropAt("RSET", 1), "drop.test", null, false),
                new Fault("dropped at the second MAIL (a reused session)", dropAt("MAIL", 2), "drop.test", null, false),
                // Exceptions from inside the session code: the session refuses to send a line with CR/LF,
                // which the parser never lets through; here the prober is handed such input directly.
                new Fault("exception inside the session at the catch-all RCPT", ordinary, "bad\r\ndomain.test", null, true),
                new Fault("exception inside the session at an RCPT", ordinary, "drop.test",
                        new EmailAddress("po\r\nisoned", "drop.test", "drop.test", false), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyAddressGetsOneAnswerWhateverBreaks(Fault f) {
        try (FakeSmtpServer server = new FakeSmtpServer(f.script);
             SmtpProber prober = new SmtpProber(settings(server.port(), true, 4, Duration.ofMillis(100)), Pacing.off())) {
            MailDomain d = domain(f.domainName, "127.0.0.1");
            List<CompletableFuture<SmtpOutcome>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                EmailAddress a = i == 5 && f.poisoned != null ? f.poisoned : address("user" + i + "@drop.test");
                futures.add(prober.probe(a, d));
            }
            List<SmtpOutcome> outcomes = joinAll(futures);
            assertEquals(12, outcomes.size());
            for (SmtpOutcome o : outcomes) {
                // The fake accepts every mailbox: a probe that got through says so (whether it knows about the
                // catch-all or not), every other one is an unknown.
                assertTrue(o.reason() == Reason.ACCEPT_ALL || o.reason() == Reason.MAILBOX_ACCEPTED
                        || o.reason().verdict() == Verdict.UNKNOWN, o.reason() + ": " + o.detail());
            }
            // Where the fault repeats on every connection, some address meets it; where a new connection
            // gets past it (a broken RSET, a stale reused session), every address gets its answer.
            assertEquals(f.unknowns, outcomes.stream().anyMatch(o -> o.reason().verdict() == Verdict.UNKNOWN),
                    () -> outcomes.stream().map(o -> o.reason() + ": " + o.detail()).toList().toString());
        }
    }

    /**
     * 100 domains whose only MX is one silent host: the host is dialled once per session slot (2), not
     * once per domain, and every domain is told at once when the host is found dead.
     */
    /** Serve asks for the DATA prober from its checks and its jobs: both get one prober, sharing its domains' queues. */
    @Test
    void theProberGoingToDataIsOneForEveryoneWhoAsks() {
        try (SmtpProber prober = new SmtpProber(settings(25, false, 4, Duration.ofMillis(100)), Pacing.off())) {
            SmtpProber toData = prober.goingToData();
            assertNotSame(prober, toData);
            assertSame(toData, prober.goingToData());
            assertSame(toData, toData.goingToData());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTarpitSharedByManyDomainsCostsOneTimeoutPerHost() {
        try (FakeSmtpServer tarpit = new FakeSmtpServer(c -> Thread.sleep(30_000));
             SmtpProber prober = new SmtpProber(settings(tarpit.port(), false, 50, Duration.ofMillis(50)), Pacing.off())) {
            long started = System.nanoTime();
            List<SmtpOutcome> outcomes = joinAll(IntStream.range(0, 100)
                    .mapToObj(i -> prober.probe(address("user@d" + i + ".tarpit.test"),
                            domain("d" + i + ".tarpit.test", "127.0.0.1"))).toList());
            long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertEquals(Set.of(Reason.SMTP_UNREACHABLE), Set.copyOf(outcomes.stream().map(SmtpOutcome::reason).toList()));
            assertTrue(tarpit.connections() <= 2, tarpit.connections() + " connections to one tarpit");
            System.out.println("100 domains on one tarpit host: " + ms + " ms at a greeting timeout of "
                    + STAGE.toMillis() + " ms, " + tarpit.connections() + " connections");
        }
    }

    /** The same, with a working second MX: once the first is found dead, every domain goes on to the second. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void domainsWaitingForADeadHostMoveOnToTheNextMx() throws Exception {
        try (FakeSmtpServer tarpit = new FakeSmtpServer(c -> Thread.sleep(30_000));
             FakeSmtpServer second = new FakeSmtpServer(InetAddress.getByName("127.0.0.2"), tarpit.port(), c -> {
                 c.send("220 second\r\n");
                 c.serve(FakeSmtpServer::ordinary);
             });
             SmtpProber prober = new SmtpProber(settings(tarpit.port(), false, 50, Duration.ofMillis(50)), Pacing.off())) {
            List<SmtpOutcome> outcomes = joinAll(IntStream.range(0, 40)
                    .mapToObj(i -> prober.probe(address("user@d" + i + ".failover.test"),
                            domain("d" + i + ".failover.test", "127.0.0.1", "127.0.0.2"))).toList());
            assertEquals(Set.of(Reason.ACCEPT_ALL), Set.copyOf(outcomes.stream().map(SmtpOutcome::reason).toList()));
            assertTrue(tarpit.connections() <= 2, tarpit.connections() + " connections to the dead first MX");
            assertEquals("127.0.0.2", outcomes.getLast().report().address());
        }
    }

    /**
     * A connection that went stale while idle between transactions (the server's idle timeout, a NAT, a
     * Lambda environment frozen between invocations): here the server ends every connection, without a
     * word, right after answering RSET. The next address is asked again on a new connection, and the live
     * host is not marked dead.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStaleIdleConnectionIsRetriedFreshAndDoesNotMarkTheHostDead() {
        try (FakeSmtpServer server = new FakeSmtpServer(c -> {
                 c.send("220 fake\r\n");
                 String line;
                 while ((line = c.readLine()) != null) {
                     String verb = line.split("[ :]", 2)[0];
                     c.send(ordinary(verb));
                     if (verb.equals("RSET")) {
                         return; // the idle timeout strikes as soon as the transaction is over
                     }
                 }
             });
             SmtpProber prober = new SmtpProber(settings(server.port(), false, 50, Duration.ofSeconds(2)), Pacing.off())) {
            MailDomain d = domain("stale.test", "127.0.0.1");
            for (String user : List.of("first", "second", "third")) {
                SmtpOutcome o = prober.probe(address(user + "@stale.test"), d).join();
                assertEquals(Reason.ACCEPT_ALL, o.reason(), o.detail());
            }
            assertEquals(3, server.connections(), "one connection per address: each reused one was stale");
        }
    }

    /**
     * 421 at RCPT, then the connection closed (RFC 5321 §3.8): the server said "later". Every address is
     * a temporary failure (or the answer it got before), never a protocol error, and the host is not dead:
     * the next probe is answered.
     */
    @ParameterizedTest(name = "421 at RCPT number {0}")
    @ValueSource(ints = {1, 2, 3})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void rcpt421ThenCloseIsLaterAndLeavesTheHostAlive(int at) {
        AtomicInteger connection = new AtomicInteger();
        try (FakeSmtpServer server = new FakeSmtpServer(c -> {
                 boolean first = connection.incrementAndGet() == 1;
                 c.send("220 fake\r\n");
                 AtomicInteger rcpt = new AtomicInteger();
                 String line;
                 while ((line = c.readLine()) != null) {
                     String verb = line.split("[ :]", 2)[0];
                     if (first && verb.equals("RCPT") && rcpt.incrementAndGet() == at) {
                         c.send("421 4.7.0 Too many errors, closing\r\n");
                         return;
                     }
                     c.send(verb.equals("EHLO") ? "250-fake.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
                             : ordinary(verb));
                 }
             });
             SmtpProber prober = new SmtpProber(settings(server.port(), false, 50, Duration.ofMillis(50)), Pacing.off())) {
            MailDomain d = domain("later.test", "127.0.0.1");
            List<SmtpOutcome> outcomes = joinAll(IntStream.range(0, 4)
                    .mapToObj(i -> prober.probe(address("user" + i + "@later.test"), d)).toList());
            for (SmtpOutcome o : outcomes) {
                assertTrue(o.reason() == Reason.TEMPORARY_FAILURE || o.reason() == Reason.MAILBOX_ACCEPTED
                        || o.reason() == Reason.ACCEPT_ALL, o.reason() + ": " + o.detail());
            }
            assertTrue(outcomes.stream().anyMatch(o -> o.reason() == Reason.TEMPORARY_FAILURE && o.reply().code() == 421),
                    "no address heard the 421");
            SmtpOutcome after = prober.probe(address("again@later.test"), d).join();
            assertTrue(after.reason() == Reason.ACCEPT_ALL || after.reason() == Reason.MAILBOX_ACCEPTED,
                    "the host was taken for dead: " + after.detail());
        }
    }
}
