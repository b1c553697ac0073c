package dev.mailcheck.smtp;

import static dev.mailcheck.testbed.FakeSmtpServer.ordinary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.FakeSmtpServer.Script;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A check's deadline (the API's 25 s) holds for the SMTP stage: a session nobody waits for any more is
 * closed at once and gives its slot back, and an address that never got its turn says so. Stage timeouts
 * here are a minute, far beyond the deadlines, so only the deadline can end these probes; the servers are
 * scripted fakes (FakeSmtpServer), as a real MTA does not drip. The {@code @Timeout}s stop a hang only.
 */
class SmtpProberDeadlineTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    /** Room for the connect and a fake's replies on a loaded two-core machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final AddressParser PARSER = new AddressParser();

    private static SmtpSettings settings(int port, int rcptsPerTransaction, int sessions) {
        Map<Stage, Duration> timeouts = new java.util.EnumMap<>(Stage.class);
        for (Stage s : List.of(Stage.CONNECT, Stage.GREETING, Stage.EHLO, Stage.STARTTLS, Stage.MAIL, Stage.RCPT,
                Stage.DATA, Stage.RSET, Stage.QUIT)) {
            timeouts.put(s, LONG);
        }
        return SmtpSettings.defaults().withHelo("prober.test").withPort(port)
                .withTimeouts(timeouts).withRcptsPerTransaction(rcptsPerTransaction).withPerHostSessions(1)
                .withSessions(sessions).withLinger(Duration.ZERO);
    }

    private static MailDomain domain(String name, String mx) {
        return new MailDomain(name, Reason.ACCEPTS_MAIL, "", List.of(new MxHost(10, "mx." + name, List.of(mx))), null,
                false, 300, Map.of());
    }

    private static EmailAddress address(String s) {
        return ((ParsedAddress.Valid) PARSER.parse(s)).address();
    }

    /** Where the first host stalls, dripping one byte every 200 ms: each byte came within any per-read timeout. */
    private static Script drip(String where) {
        return c -> {
            c.send(where.equals("greeting") ? "220-" : "220 fake\r\n");
            if (where.equals("starttls")) {
                String line;
                while ((line = c.readLine()) != null && !line.startsWith("STARTTLS")) {
                    c.send(line.startsWith("EHLO") ? "250-fake\r\n250 STARTTLS\r\n" : ordinary(line.split(" ")[0]));
                }
                c.send("220 2.0.0 Ready\r\n");
                Thread.sleep(100); // so that the record reaches the TLS layer, not the reply reader
                c.send("\u0016\u0003\u0003\u0040\u0000"); // a 16 KiB handshake record comes...
            } else if (where.equals("rcpt")) {
                String line;
                while ((line = c.readLine()) != null && !line.startsWith("RCPT")) {
                    c.send(ordinary(line.split("[ :]", 2)[0]));
                }
                c.send("250-");
            }
            while (true) {
                c.send("x"); // ...a byte at a time
                Thread.sleep(200);
            }
        };
    }

    /**
     * Eight dripping MX hosts with eight sessions in all once held every slot past their requests' answers, so
     * every later probe failed, even to a healthy host. Here one session in all: the drip's request ends at its
     * deadline, its session is closed then, and a healthy host's probe right after gets the slot.
     */
    @ParameterizedTest(name = "a drip at {0}")
    @CsvSource({"greeting", "starttls", "rcpt"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSessionPastItsChecksDeadlineIsClosedAndFreesItsSlot(String where) throws Exception {
        try (FakeSmtpServer dripping = new FakeSmtpServer(drip(where));
             FakeSmtpServer healthy = new FakeSmtpServer(InetAddress.getByName("127.0.0.2"), dripping.port(), c -> {
                 c.send("220 fake\r\n");
                 c.serve(FakeSmtpServer::ordinary);
             });
             SmtpProber prober = new SmtpProber(settings(dripping.port(), 50, 1), Pacing.off())) {
            long start = System.nanoTime();
            SmtpOutcome dripped = prober.probe(address("user@drip.test"), domain("drip.test", "127.0.0.1"),
                    start + DEADLINE.toNanos(), "2 s").join();
            long answeredMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Reason.SMTP_UNREACHABLE, dripped.reason(), dripped::detail);
            assertTrue(dripped.detail().contains("the check's deadline of 2 s"), dripped.detail());
            assertTrue(answeredMs < DEADLINE.toMillis() + 1_000, answeredMs + " ms");

            long next = System.nanoTime();
            SmtpOutcome after = prober.probe(address("user@healthy.test"), domain("healthy.test", "127.0.0.2"),
                    next + DEADLINE.multipliedBy(2).toNanos(), "4 s").join();
            assertEquals(Reason.ACCEPT_ALL, after.reason(), after::detail);
            assertEquals(1, dripping.connections(), "the dripping host was not dialled again (nor marked dead)");
        }
    }

    /**
     * One session for the host, a few addresses per transaction: at the deadline the addresses the session was
     * asking about are unknowns that say no answer came; those still queued were never tried, and say that.
     * The one worker holds the first address at once and the rest of a transaction's share if they are queued
     * by then, so the table gives the bounds. When the deadline ends the session, the worker fills again: what it
     * finds then is past its deadline too, even while the timer that answers it has not run yet on a loaded
     * machine, so it is neither taken nor marked tried (HeldTest); once, 4 of 5 said "no answer" that way.
     */
    @ParameterizedTest(name = "{0} addresses, {1} per transaction -> {2} to {1} asked, the rest not tried")
    @CsvSource({"5, 2, 1", "3, 1, 1", "2, 50, 1"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void addressesNeverTriedByTheDeadlineSaySo(int addresses, int perTransaction, int atLeastAsked) {
        try (FakeSmtpServer silent = new FakeSmtpServer(c -> Thread.sleep(LONG.toMillis()));
             SmtpProber prober = new SmtpProber(settings(silent.port(), perTransaction, 1), Pacing.off())) {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            List<CompletableFuture<SmtpOutcome>> all = IntStream.range(0, addresses).mapToObj(i -> prober.probe(
                    address("user" + i + "@silent.test"), domain("silent.test", "127.0.0.1"), deadline, "2 s")).toList();
            List<SmtpOutcome> outcomes = all.stream().map(CompletableFuture::join).toList();
            long asked = outcomes.stream().filter(o -> o.reason() == Reason.SMTP_UNREACHABLE
                    && o.detail().startsWith("No answer from the SMTP stage within the check's deadline of 2 s")).count();
            long notTried = outcomes.stream().filter(o -> o.reason() == Reason.UNVERIFIABLE
                    && o.detail().startsWith("Not tried: the request's time ran out")).count();
            String details = outcomes.stream().map(SmtpOutcome::detail).toList().toString();
            assertEquals(addresses, asked + notTried, details);
            assertTrue(asked >= atLeastAsked && asked <= Math.min(addresses, perTransaction), details);
            assertEquals(1, silent.connections(), "a host that has not failed yet is not dialled again");
        }
    }

    /**
     * The caller leaves (serve's client closes its connection) while the RCPT of its sixth address is under way, at
     * a host that takes 300 ms a RCPT: that address and the 14 after it are answered at once as given up, and at
     * most one more RCPT is sent, whether the rest wait in the session's transaction (50 a transaction: the worker
     * took the first address alone, the 19 others together; before, all of them were asked one by one) or in the
     * queue (1 a transaction).
     */
    @ParameterizedTest(name = "{0} RCPTs a transaction")
    @CsvSource({"50", "1"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aProbeWhoseCallerLeftIsGivenUp(int perTransaction) throws Exception {
        CompletableFuture<Void> sixth = new CompletableFuture<>();
        try (FakeSmtpServer slow = new FakeSmtpServer(c -> {
            c.send("220 fake\r\n");
            for (String line = c.readLine(); line != null; line = c.readLine()) {
                String verb = line.split("[ :]", 2)[0];
                if (verb.equals("RCPT")) {
                    if (line.endsWith("user5@slow.test>")) {
                        sixth.complete(null);
                    }
                    Thread.sleep(300);
                }
                c.send(ordinary(verb));
                if (verb.equals("QUIT")) {
                    return;
                }
            }
        });
             SmtpProber prober = new SmtpProber(settings(slow.port(), perTransaction, 1), Pacing.off())) {
            CompletableFuture<Void> gone = new CompletableFuture<>();
            long deadline = System.nanoTime() + LONG.toNanos();
            List<CompletableFuture<SmtpOutcome>> probes = IntStream.range(0, 20).mapToObj(i -> prober.probe(
                    address("user" + i + "@slow.test"), domain("slow.test", "127.0.0.1"), deadline, "60 s", gone)).toList();
            sixth.join();
            gone.complete(null);
            for (CompletableFuture<SmtpOutcome> probe : probes.subList(5, 20)) {
                SmtpOutcome o = probe.join();
                assertEquals(Reason.UNVERIFIABLE, o.reason(), o::detail);
                assertTrue(o.detail().contains("the client that asked closed its connection"), o.detail());
            }
            Thread.sleep(1_000); // what a session still asking would send meanwhile: three more RCPTs
            List<String> received = slow.received();
            long after = received.subList(received.indexOf("RCPT TO:<user5@slow.test>") + 1, received.size()).stream()
                    .filter(l -> l.startsWith("RCPT")).count();
            assertTrue(after <= 1, after + " RCPTs after the caller left: " + received);
        }
    }
}
