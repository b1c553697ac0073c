package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailcheck.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplyMeaningTest {

    @ParameterizedTest(name = "RCPT {0} {1} -> {2}")
    @CsvSource(nullValues = "-", textBlock = """
            250, 2.1.5,  MAILBOX_ACCEPTED
            251, 2.1.5,  MAILBOX_ACCEPTED
            252, 2.1.5,  UNVERIFIABLE
            550, 5.1.1,  MAILBOX_REJECTED
            550, -,      MAILBOX_REJECTED
            551, 5.1.6,  MAILBOX_REJECTED
            553, 5.1.3,  MAILBOX_REJECTED
            550, 5.2.1,  MAILBOX_REJECTED
            552, 5.2.2,  MAILBOX_FULL
            452, 4.2.2,  TEMPORARY_FAILURE
            450, 4.2.0,  TEMPORARY_FAILURE
            451, 4.3.0,  TEMPORARY_FAILURE
            421, 4.7.0,  TEMPORARY_FAILURE
            554, 5.7.1,  SMTP_BLOCKED
            550, 5.7.1,  SMTP_BLOCKED
            554, -,      SMTP_BLOCKED
            556, 5.1.10, DOMAIN_REFUSES_MAIL
            550, 5.1.10, DOMAIN_REFUSES_MAIL
            521, 5.3.2,  DOMAIN_REFUSES_MAIL
            553, 5.6.7,  SMTPUTF8_UNSUPPORTED
            500, 5.5.2,  SMTP_PROTOCOL_ERROR
            502, -,      SMTP_PROTOCOL_ERROR
            """)
    void rcpt(int code, String enhanced, Reason expected) {
        assertEquals(expected, ReplyMeaning.ofRcpt(new Reply(Stage.RCPT, code, enhanced, "whatever the text says")));
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
            DATA,     554, 5.5.1,  SMTP_BLOCKED
            DATA,     451, 4.3.0,  TEMPORARY_FAILURE
            """)
    void session(Stage stage, int code, String enhanced, Reason expected) {
        assertEquals(expected, ReplyMeaning.ofSession(new Reply(stage, code, enhanced, "text")));
    }
}
