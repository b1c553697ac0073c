package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.Postfix;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SMTP stage against a real Postfix (strict, catch-all and greylisting listeners) found through
 * real DNS (NSD). After every run the Postfix log and queue must show that nothing was delivered.
 */
class SmtpProberPostfixTest {

    /** @param allowPrivateMx --allow-private-mx: the test bed's MX hosts are on loopback */
    private record Setup(SmtpSettings settings, boolean allowPrivateMx) {
    }

    private static Setup settings(boolean data, boolean allowPrivate) {
        return settings(data, true, allowPrivate);
    }

    private static Setup settings(boolean data, boolean starttls, boolean allowPrivate) {
        return new Setup(SmtpSettings.defaults().withHelo("prober.checker.test").withMailFrom("probe@checker.test")
                .withPort(Postfix.shared().port()).withData(data).withStarttls(starttls)
                .withSessions(16).withLinger(Duration.ofMillis(100)), allowPrivate);
    }

    private static List<CheckResult> check(Setup setup, List<String> addresses) {
        try (MxResolver dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64,
                setup.allowPrivateMx());
             SmtpProber prober = new SmtpProber(setup.settings(), Pacing.off())) {
            Checker checker = new Checker(dns).withSmtp(prober);
            List<CompletableFuture<CheckResult>> all = addresses.stream().map(checker::check).toList();
            return all.stream().map(CompletableFuture::join).toList();
        }
    }

    private static void assertNothingDelivered(String log) {
        assertEquals(List.of(), Postfix.deliveryLines(log), "Postfix queued or delivered something");
        assertTrue(Postfix.shared().queueEmpty(), "the Postfix queue is not empty");
        assertEquals(0, Postfix.shared().queuedFiles(), "files in the Postfix queue directories");
    }

    /**
     * Every way of probing, over every listener (strict, catch-all, greylisting, fail-over), known and
     * unknown mailboxes, pipelined batches and the catch-all test: Postfix's log and queue show that no
     * message was ever accepted, and with DATA that each session ended at the 354.
     */
    @ParameterizedTest(name = "DATA: {0}, STARTTLS: {1}")
    @CsvSource({"false, true", "false, false", "true, true", "true, false"})
    void noModeEverQueuesAMessage(boolean data, boolean starttls) {
        int mark = Postfix.shared().logMark();
        List<String> addresses = new java.util.ArrayList<>(List.of("alice@strict.smtp.test", "bob@strict.smtp.test",
                "zed@strict.smtp.test", "full@strict.smtp.test", "policy@strict.smtp.test", "ünïcode@strict.smtp.test",
                "alice@greylist.smtp.test", "bob@failover.smtp.test"));
        IntStream.range(0, 30).forEach(i -> addresses.add("user" + i + "@catchall.smtp.test"));
        List<CheckResult> results = check(settings(data, starttls, true), addresses);
        String log = Postfix.shared().logSince(mark);

        assertEquals(SmtpReport.CatchAll.REJECTS_UNKNOWN, results.getFirst().smtp().catchAll());
        assertEquals(SmtpReport.CatchAll.ACCEPTS_ALL, results.getLast().smtp().catchAll());
        SmtpReport.StartTls tls = starttls ? SmtpReport.StartTls.ESTABLISHED : SmtpReport.StartTls.NOT_USED;
        assertEquals(tls, results.getFirst().smtp().starttls());
        if (data) {
            assertEquals(Stage.DATA_354, results.getFirst().smtp().stage());
            assertTrue(log.contains("lost connection after DATA"), "no session ended at the 354:\n" + log);
        } else {
            assertTrue(!log.contains("after DATA"), "DATA was sent without --smtp-data:\n" + log);
        }
        assertNothingDelivered(log);
    }

    @ParameterizedTest(name = "{0} (data: {1}) -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # address                    | DATA  | reason            | stage    | catch-all       | reply
            alice@strict.smtp.test       | false | MAILBOX_ACCEPTED  | rcpt     | rejects_unknown | 250 2.1.5
            alice@strict.smtp.test       | true  | MAILBOX_ACCEPTED  | data_354 | rejects_unknown | 250 2.1.5
            zed@strict.smtp.test         | false | MAILBOX_REJECTED  | rcpt     | rejects_unknown | 550 5.1.1
            zed@strict.smtp.test         | true  | MAILBOX_REJECTED  | rcpt     | rejects_unknown | 550 5.1.1
            full@strict.smtp.test        | false | MAILBOX_FULL      | rcpt     | rejects_unknown | 552 5.2.2
            policy@strict.smtp.test      | false | SMTP_BLOCKED      | rcpt     | rejects_unknown | 554 5.7.1
            ünïcode@strict.smtp.test     | false | MAILBOX_ACCEPTED  | rcpt     | rejects_unknown | 250 2.1.5
            anyone@catchall.smtp.test    | false | ACCEPT_ALL        | rcpt     | accepts_all     | 250 2.1.5
            anyone@catchall.smtp.test    | true  | ACCEPT_ALL        | data_354 | accepts_all     | 250 2.1.5
            alice@greylist.smtp.test     | false | TEMPORARY_FAILURE | rcpt     | inconclusive    | 450 4.2.0
            bob@failover.smtp.test       | false | MAILBOX_ACCEPTED  | rcpt     | rejects_unknown | 250 2.1.5
            bob@unreachable.smtp.test    | false | SMTP_UNREACHABLE  | connect  | not_checked     | 421 4.4.1
            """)
    void verdictFromTheMailServer(String address, boolean data, Reason reason, String stage, String catchAll,
                                  String reply) {
        int mark = Postfix.shared().logMark();
        CheckResult r = check(settings(data, true), List.of(address)).getFirst();
        assertEquals(reason, r.reason(), () -> r.detail() + "\n" + String.join("\n", r.smtp().transcript()));
        assertEquals(stage, r.smtp().stage().code(), r::toString);
        assertEquals(catchAll, r.smtp().catchAll().code(), r::toString);
        assertEquals(reply, r.predictedReply().toString());
        assertNothingDelivered(Postfix.shared().logSince(mark));
    }

    @Test
    void greylistingSuggestsWhenToRetry() {
        CheckResult r = check(settings(false, true), List.of("bob@greylist.smtp.test")).getFirst();
        assertEquals(300, r.smtp().retryAfterSeconds());
    }

    @Test
    void reportsTlsAndExtensionsAndATranscript() {
        CheckResult r = check(settings(false, true), List.of("alice@strict.smtp.test")).getFirst();
        SmtpReport smtp = r.smtp();
        assertEquals(SmtpReport.StartTls.ESTABLISHED, smtp.starttls());
        assertEquals(Boolean.TRUE, smtp.smtputf8());
        assertEquals("mx-strict.smtp.test", smtp.host());
        assertEquals("127.0.0.1", smtp.address());
        assertEquals(List.of(Stage.GREETING, Stage.EHLO, Stage.STARTTLS, Stage.EHLO, Stage.MAIL, Stage.RCPT, Stage.RCPT),
                smtp.replies().stream().map(Reply::stage).toList());
        assertTrue(smtp.transcript().contains("C: RCPT TO:<alice@strict.smtp.test>"), smtp.transcript()::toString);
    }

    @Test
    void privateMxAddressesAreNeverDialled() {
        int mark = Postfix.shared().logMark();
        CheckResult r = check(settings(false, false), List.of("alice@strict.smtp.test")).getFirst();
        assertEquals(Reason.MX_PRIVATE_ADDRESS, r.reason());
        assertTrue(r.detail().contains("127.0.0.1 (loopback)"), r.detail());
        assertEquals(0, Postfix.connections(Postfix.shared().logSince(mark)));
    }

    @ParameterizedTest(name = "DATA: {0}")
    @CsvSource({"false", "true"})
    void aThousandAddressesShareAFewConnections(boolean data) {
        int mark = Postfix.shared().logMark();
        List<String> addresses = IntStream.range(0, 1000)
                .mapToObj(i -> (i % 2 == 0 ? "alice" : "bob") + "+" + i + "@catchall.smtp.test").toList();
        List<CheckResult> results = check(settings(data, true), addresses);
        assertTrue(results.stream().allMatch(r -> r.reason() == Reason.ACCEPT_ALL),
                () -> results.stream().filter(r -> r.reason() != Reason.ACCEPT_ALL).findFirst().orElseThrow().toString());
        String log = Postfix.shared().logSince(mark);
        long connections = Postfix.connections(log);
        assertTrue(connections <= 25, connections + " connections for 1,000 addresses");
        assertNothingDelivered(log);
    }

    /**
     * Replies the big providers send, from a real Postfix told to send them (access map). Postfix cannot
     * leave the enhanced code out (discarding ENHANCEDSTATUSCODES only hides the EHLO keyword) nor send
     * Exchange's 5.1.10 (it sends 5.1.0), so those cases live in SmtpProberProviderRepliesTest.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # address                    | reason           | retry after | Postfix's reply
            dbeb@strict.smtp.test        | MAILBOX_REJECTED | -           | 550 5.4.1 <dbeb@strict.smtp.test>: Recipient address rejected: Recipient address rejected: Access denied. AS(201806281)
            banned@strict.smtp.test      | SMTP_BLOCKED     | -           | 550 5.7.606 <banned@strict.smtp.test>: Recipient address rejected: Access denied, banned sending IP [127.0.0.1]
            overquota@strict.smtp.test   | MAILBOX_FULL     | 3600        | 452 4.2.2 <overquota@strict.smtp.test>: Recipient address rejected: The email account that you tried to reach is over quota.
            full@strict.smtp.test        | MAILBOX_FULL     | 3600        | 552 5.2.2 <full@strict.smtp.test>: Recipient address rejected: Mailbox full
            """)
    void providersRepliesFromARealServer(String address, Reason reason, String retryAfter, String reply) {
        int mark = Postfix.shared().logMark();
        CheckResult r = check(settings(false, true), List.of(address)).getFirst();
        Reply rcpt = r.smtp().replies().getLast();
        assertEquals(reply, rcpt.code() + " " + rcpt.text(), () -> String.join("\n", r.smtp().transcript()));
        assertEquals(reason, r.reason(), r::detail);
        assertEquals(retryAfter.equals("-") ? null : Integer.valueOf(retryAfter), r.smtp().retryAfterSeconds());
        assertNothingDelivered(Postfix.shared().logSince(mark));
    }
}
