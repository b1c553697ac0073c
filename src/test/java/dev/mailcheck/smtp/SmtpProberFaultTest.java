package dev.mailcheck.smtp;

import static dev.mailcheck.testbed.FakeSmtpServer.ordinary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.FakeSmtpServer.Script;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults Postfix cannot be told to produce, from an in-process fake server (see FakeSmtpServer). The
 * fake accepts any mailbox, so a probe that gets through ends as ACCEPT_ALL.
 */
class SmtpProberFaultTest {

    /** Far above a fake's reply time even on a loaded two-core machine, so only a fault ever reaches it. */
    private static final Duration STAGE = Duration.ofSeconds(2);
    /**
     * What a fault may cost: two stage timeouts (a TLS fallback costs one) and the sessions' set-up and
     * linger, with room for a loaded machine. Every stalling fault below stalls for longer, so a probe
     * that waited for the server instead of its timeout fails the bound.
     */
    private static final Duration BOUND = STAGE.multipliedBy(2).plusSeconds(4);
    private static final Duration STALL = Duration.ofSeconds(30);
    private static final MailDomain DOMAIN = new MailDomain("fault.test", Reason.ACCEPTS_MAIL, "",
            List.of(new MxHost(10, "mx.fault.test", List.of("127.0.0.1"))), null, false, 60, Map.of());

    private record Run(List<SmtpOutcome> outcomes, FakeSmtpServer server) {
        SmtpOutcome first() {
            return outcomes.getFirst();
        }
    }

    private static Run probe(Script script, boolean data, int addresses) {
        FakeSmtpServer server = new FakeSmtpServer(script);
        SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(server.port())
                .withData(data)
                .withTimeouts(Map.of(Stage.GREETING, STAGE, Stage.EHLO, STAGE, Stage.STARTTLS, STAGE, Stage.MAIL, STAGE,
                        Stage.RCPT, STAGE, Stage.DATA, STAGE))
                .withSessions(8).withLinger(Duration.ofMillis(50));
        try (server; SmtpProber prober = new SmtpProber(settings, Pacing.off())) {
            List<CompletableFuture<SmtpOutcome>> all = IntStream.range(0, addresses)
                    .mapToObj(i -> prober.probe(address("user" + i + "@fault.test"), DOMAIN)).toList();
            return new Run(all.stream().map(CompletableFuture::join).toList(), server);
        }
    }

    private static Run probe(Script script) {
        return probe(script, false, 1);
    }

    private static dev.mailcheck.address.EmailAddress address(String s) {
        return ((ParsedAddress.Valid) new AddressParser().parse(s)).address();
    }

    private static Script greeting(String greeting, java.util.function.Function<String, String> replies) {
        return c -> {
            c.send(greeting);
            c.serve(replies);
        };
    }

    /** A fault that strikes at {@code stage}, with the verdict it must end in and within the stage's time. */
    record Fault(String name, Script script, boolean data, Reason reason, Stage stage) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String EHLO_STARTTLS = "250-fake.test\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n";

    static Stream<Fault> faults() {
        return Stream.of(
                new Fault("tarpit at the greeting, 1 byte a second", c -> trickle(c, "220 fake.test ESMTP\r\n"), false,
                        Reason.SMTP_UNREACHABLE, Stage.GREETING),
                new Fault("tarpit at RCPT, 1 byte a second", c -> {
                    c.send("220 fake\r\n");
                    String line;
                    while ((line = c.readLine()) != null) {
                        if (line.startsWith("RCPT")) {
                            trickle(c, "250 2.1.5 Ok\r\n");
                        }
                        c.send(ordinary(line.split("[ :]", 2)[0]));
                    }
                }, false, Reason.SMTP_PROTOCOL_ERROR, Stage.RCPT),
                new Fault("garbage in reply to MAIL", greeting("220 fake\r\n",
                        v -> v.equals("MAIL") ? "\u0000\u0001 what is this\r\n" : ordinary(v)), false,
                        Reason.SMTP_PROTOCOL_ERROR, Stage.MAIL),
                new Fault("over-long greeting line", greeting("220 " + "x".repeat(ReplyReader.MAX_LINE + 10) + "\r\n",
                        FakeSmtpServer::ordinary), false, Reason.SMTP_PROTOCOL_ERROR, Stage.GREETING),
                new Fault("connection reset instead of the RCPT reply", c -> {
                    c.send("220 fake\r\n");
                    String line;
                    while ((line = c.readLine()) != null && !line.startsWith("RCPT")) {
                        c.send(ordinary(line.split("[ :]", 2)[0]));
                    }
                    c.reset();
                }, false, Reason.SMTP_PROTOCOL_ERROR, Stage.RCPT),
                new Fault("connection reset after RCPT was accepted, at DATA", c -> {
                    c.send("220 fake\r\n");
                    String line;
                    while ((line = c.readLine()) != null && !line.equals("DATA")) {
                        c.send(ordinary(line.split("[ :]", 2)[0]));
                    }
                    c.reset();
                }, true, Reason.SMTP_PROTOCOL_ERROR, Stage.DATA),
                new Fault("421 at MAIL FROM", greeting("220 fake\r\n",
                        v -> v.equals("MAIL") ? "421 4.3.2 Shutting down\r\n" : ordinary(v)), false,
                        Reason.TEMPORARY_FAILURE, Stage.MAIL),
                new Fault("421 at RCPT", greeting("220 fake\r\n",
                        v -> v.equals("RCPT") ? "421 4.7.0 Too many errors\r\n" : ordinary(v)), false,
                        Reason.TEMPORARY_FAILURE, Stage.RCPT),
                new Fault("421 at DATA", greeting("220 fake\r\n",
                        v -> v.equals("DATA") ? "421 4.3.0 Closing\r\n" : ordinary(v)), true,
                        Reason.TEMPORARY_FAILURE, Stage.DATA),
                // A failed handshake falls back to plain SMTP on a new connection (opportunistic TLS), whose
                // answer then counts: the fake accepts every mailbox, hence accept_all.
                new Fault("TLS handshake never answered", startTls(c -> Thread.sleep(STALL)), false,
                        Reason.ACCEPT_ALL, Stage.RCPT),
                // Each byte came within the per-read timeout, which used to be all the handshake had: it ran for
                // as long as the server dripped (15 minutes, the check's deadline, in the report).
                new Fault("TLS handshake dripped a byte at a time", startTls(c -> {
                    c.send("\u0016\u0003\u0003\u0040\u0000"); // a handshake record of 16 KiB is coming...
                    for (long end = System.nanoTime() + STALL.toNanos(); System.nanoTime() < end; ) {
                        c.send("x"); // ...one byte every 200 ms
                        Thread.sleep(200);
                    }
                }), false, Reason.ACCEPT_ALL, Stage.RCPT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void faultIsBoundedAndClassified(Fault f) {
        long started = System.nanoTime();
        Run run = probe(f.script, f.data, 1);
        long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
        SmtpOutcome o = run.first();
        assertEquals(f.reason, o.reason(), () -> o.detail() + "\n" + String.join("\n", o.report().transcript()));
        assertEquals(f.stage, o.report().stage(), o::detail);
        assertTrue(ms < BOUND.toMillis(), ms + " ms");
        if (f.name.startsWith("TLS")) {
            assertEquals(SmtpReport.StartTls.FAILED, o.report().starttls());
            assertEquals(2, run.server.connections(), "one connection for the failed handshake, one in plain SMTP");
        }
        if (f.data) {
            assertEquals("DATA", run.server.received().getLast(), "nothing may follow DATA");
        }
    }

    /** Sends {@code reply} one byte a second, the way a tarpit answers: the replies here take 14 s and more. */
    private static void trickle(FakeSmtpServer.Conversation c, String reply) throws IOException, InterruptedException {
        for (char ch : reply.toCharArray()) {
            c.send(String.valueOf(ch));
            Thread.sleep(1_000);
        }
    }

    /** Offers STARTTLS, answers 220 to it, then does {@code handshake} instead of TLS; plain SMTP on later connections. */
    /**
     * Garbage where the server's TLS handshake should be, sent once the client's first handshake byte has come
     * (so it reaches the TLS layer, not the reply reader): the handshake fails on it at once, well within one
     * stage timeout (a handshake left waiting would take the timeout), and the probe falls back to plain SMTP.
     */
    @Test
    void aTlsHandshakeMetByGarbageFailsAtOnceAndFallsBack() {
        AtomicInteger first = new AtomicInteger(-2);
        long started = System.nanoTime();
        Run run = probe(startTls(c -> {
            first.compareAndSet(-2, c.read());
            c.send("this is not a TLS record\r\n");
            c.read(); // until the client gives up the connection
        }));
        long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
        SmtpOutcome o = run.first();
        assertEquals(0x16, first.get(), "the client had begun its TLS handshake when the garbage came");
        assertEquals(List.of(Reason.ACCEPT_ALL, Stage.RCPT, SmtpReport.StartTls.FAILED, 2),
                List.of(o.reason(), o.report().stage(), o.report().starttls(), run.server.connections()), o::detail);
        assertTrue(ms < STAGE.toMillis(), ms + " ms: the handshake waited for a timeout instead of failing on the garbage");
    }

    private static Script startTls(Script handshake) {
        return c -> {
            c.send("220 fake\r\n");
            String line;
            while ((line = c.readLine()) != null) {
                String verb = line.split("[ :]", 2)[0];
                if (verb.equals("STARTTLS")) {
                    c.send("220 2.0.0 Ready to start TLS\r\n");
                    handshake.run(c);
                    return;
                }
                c.send(verb.equals("EHLO") ? EHLO_STARTTLS : ordinary(verb));
            }
        };
    }

    /**
     * A server that sends more replies than it was sent commands: each reply used to be credited to the next
     * command in order, so user2 was shown another address's reply and an RCPT reply passed for DATA's. Every
     * address of the transaction ends as a protocol error instead; and the client sends nothing once the
     * server has sent a 354, whatever it was meant for (message data would follow it).
     */
    @ParameterizedTest(name = "{0}, pipelining {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # extra reply            | pipelining | after
            354 after each RCPT reply | true      | RCPT
            354 after each RCPT reply | false     | RCPT
            354 after MAIL            | true      | MAIL
            354 after MAIL            | false     | MAIL
            250 after each RCPT reply | true      | RCPT
            250 after each RCPT reply | false     | RCPT
            """)
    void aReplyNoCommandWaitsForEndsTheTransaction(String extra, boolean pipelining, String after) {
        String reply = extra.substring(0, 3) + " 2.0.0 extra\r\n";
        List<Integer> receivedAt354 = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger lines = new AtomicInteger();
        Run run = probe(c -> {
            c.send("220 fake\r\n");
            String line;
            while ((line = c.readLine()) != null) {
                lines.incrementAndGet();
                String verb = line.split("[ :]", 2)[0];
                String answer = verb.equals("EHLO") && pipelining ? "250-fake.test\r\n250 PIPELINING\r\n" : ordinary(verb);
                if (verb.equals(after)) {
                    answer += reply;
                }
                if (answer.contains("354 ") && receivedAt354.isEmpty()) {
                    receivedAt354.add(lines.get());
                }
                c.send(answer);
            }
        }, true, 3);
        assertEquals(List.of(Reason.SMTP_PROTOCOL_ERROR), run.outcomes.stream().map(SmtpOutcome::reason).distinct().toList(),
                () -> run.outcomes.stream().map(SmtpOutcome::detail).toList().toString());
        assertTrue(run.first().detail().contains("more replies than commands")
                || run.first().detail().contains("which no command sent waits for"), run.first().detail());
        List<String> received = run.server.received();
        if (!receivedAt354.isEmpty()) {
            // Only what was already on its way in the same pipelined write may follow the first 354.
            List<String> later = received.subList(receivedAt354.getFirst(), received.size());
            assertTrue(later.stream().allMatch(l -> l.startsWith("RCPT TO:")), "sent after a 354: " + later);
        }
        assertTrue(received.stream().noneMatch(l -> l.equals("DATA") || l.equals(".")), received.toString());
    }

    /**
     * After a host broke the protocol (not a timeout, not a refused connection) it is skipped for a while, and
     * the addresses that come to it later say what it did rather than that it never answered.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what the host did at the first RCPT       | said later
            a line of 10 MB                            | reply line longer than
            a reset                                    | Connection reset
            an unfinished reply, then closed           | connection closed in mid-reply
            """)
    void aHostThatBrokeTheProtocolSaysSoLater(String fault, String said) {
        FakeSmtpServer server = new FakeSmtpServer(c -> {
            c.send("220 fake\r\n");
            String line;
            while ((line = c.readLine()) != null && !line.startsWith("RCPT")) {
                c.send(ordinary(line.split("[ :]", 2)[0]));
            }
            switch (fault.split(" ")[1]) {
                case "line" -> c.send("250 " + "x".repeat(10_000_000) + "\r\n");
                case "reset" -> c.reset();
                default -> c.send("250-2.1.5 Ok\r\n250");
            }
        });
        SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(server.port())
                .withTimeouts(Map.of(Stage.GREETING, STAGE, Stage.EHLO, STAGE, Stage.MAIL, STAGE, Stage.RCPT, STAGE))
                .withSessions(8).withLinger(Duration.ZERO);
        try (server; SmtpProber prober = new SmtpProber(settings, Pacing.off())) {
            SmtpOutcome first = prober.probe(address("user1@fault.test"), DOMAIN).join();
            assertEquals(Reason.SMTP_PROTOCOL_ERROR, first.reason(), first::detail);
            SmtpOutcome later = prober.probe(address("user2@fault.test"), DOMAIN).join();
            assertEquals(Reason.SMTP_PROTOCOL_ERROR, later.reason(), later::detail);
            assertTrue(later.detail().contains("the host broke the protocol earlier in this run: ")
                    && later.detail().contains(said), later.detail());
            assertEquals(1, server.connections(), "the host is not dialled again");
        }
    }

    @Test
    void tarpitCostsOneTimeoutForAllAddresses() {
        Run run = probe(c -> {
            while (true) {
                c.send("2");
                Thread.sleep(250);
            }
        }, false, 20);
        assertEquals(List.of(Reason.SMTP_UNREACHABLE), run.outcomes.stream().map(SmtpOutcome::reason).distinct().toList());
        assertEquals(1, run.server.connections(), "a tarpit is dialled once, not once per address");
    }

    @Test
    void silentServerIsUnreachable() {
        Run run = probe(c -> Thread.sleep(STALL), false, 5);
        assertEquals(Reason.SMTP_UNREACHABLE, run.first().reason());
        assertEquals(1, run.server.connections());
    }

    @Test
    void garbageGreetingIsAProtocolError() {
        Run run = probe(greeting("hello, I am not an SMTP server\r\n", FakeSmtpServer::ordinary));
        assertEquals(Reason.SMTP_PROTOCOL_ERROR, run.first().reason());
        assertTrue(run.first().detail().contains("malformed reply line"), run.first().detail());
    }

    @Test
    void overLongReplyLineIsAProtocolError() {
        Run run = probe(greeting("220 fake\r\n", v -> v.equals("RCPT") ? "250 " + "x".repeat(5000) + "\r\n" : ordinary(v)));
        assertEquals(Reason.SMTP_PROTOCOL_ERROR, run.first().reason());
        assertEquals(Stage.RCPT, run.first().report().stage());
    }

    @Test
    void connectionDroppedMidReplyIsAProtocolError() {
        Run run = probe(c -> {
            c.send("220 fake\r\n");
            c.serve(v -> v.equals("RCPT") ? null : ordinary(v));
        });
        assertEquals(Reason.SMTP_PROTOCOL_ERROR, run.first().reason());
    }

    @Test
    void mixedCodesInOneReplyAreAProtocolError() {
        Run run = probe(greeting("220-fake\r\n250 fake\r\n", FakeSmtpServer::ordinary));
        assertEquals(Reason.SMTP_PROTOCOL_ERROR, run.first().reason());
    }

    @Test
    void multiLineRepliesAreReadWhole() {
        Run run = probe(greeting("220-fake.test first\r\n220-second\r\n220 third\r\n",
                v -> v.equals("RCPT") ? "250-2.1.5 first\r\n250 2.1.5 second\r\n" : ordinary(v)));
        assertEquals(Reason.ACCEPT_ALL, run.first().reason(), run.first().detail());
        assertEquals("first\nsecond\nthird", run.first().report().replies().getFirst().text().replace("fake.test ", ""));
    }

    @Test
    void greeting421IsBlockedAnd554TooAnd521RefusesTheDomain() {
        assertEquals(Reason.SMTP_BLOCKED, probe(greeting("421 4.3.2 Try later\r\n", FakeSmtpServer::ordinary)).first().reason());
        assertEquals(Reason.SMTP_BLOCKED, probe(greeting("554 5.7.1 Go away\r\n", FakeSmtpServer::ordinary)).first().reason());
        assertEquals(Reason.DOMAIN_REFUSES_MAIL,
                probe(greeting("521 5.3.2 No mail here\r\n", FakeSmtpServer::ordinary)).first().reason());
    }

    @Test
    void rcpt556RefusesTheDomain() {
        Run run = probe(greeting("220 fake\r\n", v -> v.equals("RCPT") ? "556 5.1.10 Null MX\r\n" : ordinary(v)));
        assertEquals(Reason.DOMAIN_REFUSES_MAIL, run.first().reason());
        assertEquals("556 5.1.10", run.first().predictedReply().toString());
    }

    @Test
    void ehloRefusedFallsBackToHelo() {
        Run run = probe(greeting("220 fake\r\n", v -> v.equals("EHLO") ? "502 5.5.2 What?\r\n" : ordinary(v)));
        assertEquals(Reason.ACCEPT_ALL, run.first().reason());
        assertTrue(run.server.received().stream().anyMatch(l -> l.startsWith("HELO prober.test")));
    }

    @ParameterizedTest(name = "pipelining: {0}")
    @ValueSource(booleans = {false, true})
    void tooManyRecipientsContinuesInANewTransaction(boolean pipelining) {
        AtomicInteger rcpts = new AtomicInteger();
        Run run = probe(greeting("220 fake\r\n", v -> switch (v) {
            case "EHLO" -> pipelining ? "250-fake.test\r\n250 PIPELINING\r\n" : ordinary(v);
            case "MAIL" -> {
                rcpts.set(0);
                yield ordinary(v);
            }
            case "RCPT" -> rcpts.incrementAndGet() > 3 ? "452 4.5.3 Too many recipients\r\n" : ordinary(v);
            default -> ordinary(v);
        }), false, 10);
        assertEquals(List.of(Reason.ACCEPT_ALL), run.outcomes.stream().map(SmtpOutcome::reason).distinct().toList());
        long mails = run.server.received().stream().filter(l -> l.startsWith("MAIL FROM")).count();
        assertTrue(mails >= 4, mails + " transactions for 10 recipients at 3 per transaction");
        assertEquals(1, run.server.connections());
    }

    @Test
    void nothingIsSentAfter354() {
        Run run = probe(greeting("220 fake\r\n", FakeSmtpServer::ordinary), true, 3);
        assertEquals(List.of(Stage.DATA_354), run.outcomes.stream().map(o -> o.report().stage()).distinct().toList());
        List<String> received = run.server.received();
        assertEquals("DATA", received.getLast(), "the client sent something after DATA: " + received);
    }

    @Test
    void dataAnswered250InsteadOf354EndsTheSessionAtOnce() {
        Run run = probe(greeting("220 fake\r\n", v -> v.equals("DATA") ? "250 2.0.0 Ok?\r\n" : ordinary(v)), true, 1);
        assertEquals(Reason.ACCEPT_ALL, run.first().reason());
        assertEquals(Stage.RCPT, run.first().report().stage());
        assertEquals("DATA", run.server.received().getLast());
    }

    @Test
    void catchAllAnswered252IsInconclusive() {
        Run run = probe(greeting("220 fake\r\n", v -> v.equals("RCPT") ? "252 2.1.5 Cannot verify\r\n" : ordinary(v)));
        assertEquals(Reason.UNVERIFIABLE, run.first().reason());
        assertEquals(SmtpReport.CatchAll.INCONCLUSIVE, run.first().report().catchAll());
    }

    @Test
    void angleBracketsNeverReachTheWire() {
        try (FakeSmtpServer server = new FakeSmtpServer(greeting("220 fake\r\n", FakeSmtpServer::ordinary));
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withPort(server.port()), Pacing.off())) {
            SmtpOutcome o = prober.probe(address("\"a>b\"@fault.test"), DOMAIN).join();
            assertEquals(Reason.UNVERIFIABLE, o.reason());
            assertEquals(0, server.connections());
        }
    }
}
