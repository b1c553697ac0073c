package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.mailcheck.Reason;
import dev.mailcheck.smtp.SmtpReport.CatchAll;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

class ReplyMeaningTest {

    @ParameterizedTest(name = "RCPT {0} {1} -> {2}")
    @CsvSource(nullValues = "-", textBlock = """
            250, 2.1.5,  MAILBOX_ACCEPTED
            251, 2.1.5,  MAILBOX_ACCEPTED
            252, 2.1.5,  UNVERIFIABLE
            550, 5.1.1,  MAILBOX_REJECTED
            551, 5.1.6,  MAILBOX_REJECTED
            553, 5.1.3,  MAILBOX_REJECTED
            550, 5.2.1,  MAILBOX_REJECTED
            552, 5.2.2,  MAILBOX_FULL
            452, 4.2.2,  MAILBOX_FULL
            552, -,      MAILBOX_FULL
            450, 4.2.0,  TEMPORARY_FAILURE
            451, 4.3.0,  TEMPORARY_FAILURE
            421, 4.7.0,  TEMPORARY_FAILURE
            554, 5.7.1,  SMTP_BLOCKED
            550, 5.7.1,  SMTP_BLOCKED
            550, 5.4.1,  MAILBOX_REJECTED
            556, 5.1.10, DOMAIN_REFUSES_MAIL
            550, 5.1.10, MAILBOX_REJECTED
            521, 5.3.2,  DOMAIN_REFUSES_MAIL
            553, 5.6.7,  SMTPUTF8_UNSUPPORTED
            550, 5.1.8,  SMTP_BLOCKED
            553, 5.1.7,  SMTP_BLOCKED
            500, 5.5.2,  SMTP_PROTOCOL_ERROR
            502, -,      SMTP_PROTOCOL_ERROR
            """)
    void rcpt(int code, String enhanced, Reason expected) {
        assertEquals(expected, ReplyMeaning.ofRcpt(new Reply(Stage.RCPT, code, enhanced, "whatever the text says")));
    }

    /**
     * Where the codes leave it open (550, 551, 553 or 554 without an enhanced code, or X.0.0), a text that says nothing
     * known is unknown. Before, a bare 551 or 553 was a rejected mailbox (found by a review: qmail's relay refusal).
     */
    @ParameterizedTest(name = "RCPT {0} {1} -> {2}")
    @CsvSource(nullValues = "-", textBlock = """
            550, -,     UNVERIFIABLE
            551, -,     UNVERIFIABLE
            553, -,     UNVERIFIABLE
            554, -,     UNVERIFIABLE
            550, 5.0.0, UNVERIFIABLE
            554, 5.0.0, UNVERIFIABLE
            """)
    void ambiguousCodeWithAnUnknownText(int code, String enhanced, Reason expected) {
        assertEquals(expected, ReplyMeaning.ofRcpt(new Reply(Stage.RCPT, code, enhanced, "whatever the text says")));
    }

    /** Real providers' replies, read off the wire as the prober reads them: see the CSV for the sources. */
    @ParameterizedTest(name = "{0}: {1} -> {2} (text alone: {3})")
    @CsvFileSource(resources = "/smtp/provider-replies.csv", delimiter = '|')
    void providerReplies(String provider, String wire, Reason expected, Reason textAlone) throws IOException {
        Reply r = read(wire);
        assertEquals(expected, ReplyMeaning.ofRcpt(r), provider + ": " + r);
        // The phrase table on its own, over every real text: each phrase is tried on real replies.
        String text = r.text().replaceAll("(?m)^[245]\\.\\d{1,3}\\.\\d{1,3}\\s*", "");
        assertEquals(textAlone, ReplyMeaning.ofRcpt(new Reply(Stage.RCPT, 550, null, text)), provider + " text: " + text);
    }

    @ParameterizedTest(name = "{0} -> {1} s")
    @CsvSource(textBlock = """
            450 4.2.0 Recipient address rejected: Greylisted,                       300
            451 4.3.0 Temporary lookup failure,                                      300
            421 4.7.0 Try again later,                                               900
            452 4.2.2 The email account that you tried to reach is over quota.,      3600
            552 5.2.2 Mailbox full,                                                  3600
            """)
    void retryHints(String wire, int seconds) throws IOException {
        assertEquals(seconds, ReplyMeaning.retryAfterSeconds(read(wire)));
    }

    /** The catch-all test's RCPT to a made-up mailbox: only a clear yes or a clear "no such user" settles it. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            250 2.1.5 Ok                                         | ACCEPTS_ALL
            251 2.1.5 User not local; will forward               | ACCEPTS_ALL
            252 2.1.5 Cannot VRFY user, but will accept message  | INCONCLUSIVE
            550 5.1.1 <no-such-mailbox@example.test>: Recipient address rejected: User unknown | REJECTS_UNKNOWN
            550 Requested action not taken: mailbox unavailable  | REJECTS_UNKNOWN
            450 4.2.0 Recipient address rejected: Greylisted     | INCONCLUSIVE
            550 5.7.1 Service unavailable; client host blocked   | INCONCLUSIVE
            552 5.2.2 Mailbox full                               | INCONCLUSIVE
            550 Message rejected                                 | INCONCLUSIVE
            """)
    void madeUpMailbox(String wire, CatchAll expected) throws IOException {
        assertEquals(expected, ReplyMeaning.ofMadeUpMailbox(read(wire)));
    }

    /**
     * A RCPT reply after an accepted recipient: does it ask for a new transaction, or answer for this address? RFC
     * 821's bare "552 Too many recipients" is one (RFC 5321 §4.5.3.1.10); it read as a full mailbox (found by a review).
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            452 4.5.3 Too many recipients                                  | true
            452 Too many recipients                                        | true
            452 4.3.1 Insufficient system storage                          | true
            552 5.5.3 Too many recipients                                  | true
            552 Too many recipients                                        | true
            552 Requested mail action aborted: exceeded storage allocation | false
            452 4.2.2 The email account that you tried to reach is over quota. | false
            451 4.3.0 Temporary lookup failure                             | false
            550 5.1.1 User unknown                                         | false
            250 2.1.5 Ok                                                   | false
            """)
    void tooManyRecipients(String wire, boolean expected) throws IOException {
        assertEquals(expected, ReplyMeaning.tooManyRecipients(read(wire)));
    }

    /** A session refused before any recipient: does it answer for the domain, so its other MX hosts are spared? */
    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(nullValues = "-", textBlock = """
            GREETING, 554, 5.7.1, true
            GREETING, 521, 5.3.2, true
            EHLO,     550, 5.7.1, true
            HELO,     502, 5.5.1, true
            GREETING, 421, 4.3.2, false
            EHLO,     451, 4.3.0, false
            """)
    void sessionRefusalEndsTheDomain(Stage stage, int code, String enhanced, boolean expected) {
        assertEquals(expected, ReplyMeaning.endsTheDomain(new Reply(stage, code, enhanced, "text")));
    }

    @Test
    void aSessionThatBrokeWithoutAReplyIsAboutItsHostAlone() {
        assertFalse(ReplyMeaning.endsTheDomain(null));
    }

    static Reply read(String wire) throws IOException {
        String raw = wire.replace("\\n", "\r\n") + "\r\n";
        return new ReplyReader(new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)), deadline -> { })
                .read(Stage.RCPT, Long.MAX_VALUE);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(nullValues = "-", textBlock = """
            GREETING, 421, 4.3.2,  SMTP_BLOCKED
            GREETING, 554, 5.7.1,  SMTP_BLOCKED
            GREETING, 554, -,      SMTP_BLOCKED
            GREETING, 521, 5.3.2,  DOMAIN_REFUSES_MAIL
            GREETING, 556, 5.1.10, DOMAIN_REFUSES_MAIL
            HELO,     550, 5.7.1,  SMTP_BLOCKED
            MAIL,     451, 4.3.0,  TEMPORARY_FAILURE
            MAIL,     553, 5.1.8,  SMTP_BLOCKED
            MAIL,     550, 5.1.10, DOMAIN_REFUSES_MAIL
            EHLO,     550, 5.1.10, DOMAIN_REFUSES_MAIL
            DATA,     550, 5.1.10, SMTP_BLOCKED
            DATA,     554, 5.5.1,  SMTP_BLOCKED
            DATA,     451, 4.3.0,  TEMPORARY_FAILURE
            """)
    void session(Stage stage, int code, String enhanced, Reason expected) {
        assertEquals(expected, ReplyMeaning.ofSession(new Reply(stage, code, enhanced, "text")));
    }

    /**
     * How clearly a refusal blocks the prober itself, which is what the block breaker counts. The rows after "250 Ok"
     * came from a review: a greeting turning the IP away without an X.7 code was NONE; a block list named by a bare
     * 553 was NONE; the sender refused at RCPT and a recipient's own rules were VAGUE (two trip the breaker).
     */
    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GREETING | 554 5.7.0 Mail from 192.0.2.1 refused by Proofpoint Reputation Services           | CLEAR
            GREETING | 554 No SMTP service here                                                          | VAGUE
            GREETING | 421 4.3.2 Service not available, closing transmission channel                     | NONE
            EHLO     | 550 5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org                  | CLEAR
            MAIL     | 553 5.7.1 <x@example.com>: Sender address rejected: not owned by user             | NONE
            MAIL     | 550 5.7.23 Reject due to SPF policy of the sender's domain                       | NONE
            RCPT     | 550 5.7.606 Access denied, banned sending IP [192.0.2.1].                         | CLEAR
            RCPT     | 550 5.7.1 Part of their network is on our block list (S3150).                     | CLEAR
            RCPT     | 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints | CLEAR
            RCPT     | 421 4.7.1 Messages to someone@icloud.com deferred due to excessive volume.        | CLEAR
            RCPT     | 554 5.7.9 Message not accepted for policy reasons.                                | VAGUE
            RCPT     | 550 5.7.1 Email rejected per DMARC policy for example.com                         | NONE
            RCPT     | 554 5.7.1 <a@x.test>: Relay access denied                                         | NONE
            RCPT     | 550 5.1.1 <a@x.test>: Recipient address rejected: User unknown                    | NONE
            RCPT     | 550 5.4.1 Recipient address rejected: Access denied. AS(201806281)                | NONE
            RCPT     | 450 4.2.0 <a@x.test>: Recipient address rejected: Greylisted                      | NONE
            RCPT     | 450 4.2.1 The user you are trying to contact is receiving mail too quickly.       | NONE
            RCPT     | 250 2.1.5 Ok                                                                      | NONE
            GREETING | 421 Too many concurrent SMTP connections from this IP address; please try again later. | CLEAR
            GREETING | 421 4.3.2 Connection rate limit exceeded for your IP address, try again later    | CLEAR
            RCPT     | 553 Blacklisted: your IP 192.0.2.1 is listed at zen.spamhaus.org                  | CLEAR
            RCPT     | 550 5.1.8 <a@x.test>: Sender address rejected: Domain not found                  | NONE
            RCPT     | 553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)                | NONE
            RCPT     | 554 5.7.1 <list@x.test>: Recipient address rejected: Access denied                | NONE
            RCPT     | 550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required   | NONE
            DATA     | 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org | CLEAR
            """)
    void blockStrength(Stage stage, String wire, ReplyMeaning.Block expected) throws IOException {
        Reply r = read(wire);
        assertEquals(expected, ReplyMeaning.blockOf(new Reply(stage, r.code(), r.enhanced(), r.text())), wire);
    }
}
