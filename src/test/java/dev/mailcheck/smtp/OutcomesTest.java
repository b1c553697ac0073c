package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.mailcheck.LoggedDefects;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.smtp.SmtpReport.CatchAll;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The outcomes of addresses for which no session was used, one row per situation. The outcomes of sessions
 * (a reply heard, a session broken off) are proved against Postfix and the scripted servers of the
 * SmtpProber*Test classes.
 */
class OutcomesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # situation            | reason             | stage   | detail
            unsafe local part      | UNVERIFIABLE       | -       | The local part contains < or >, which the prober never puts in an SMTP command.
            no public host         | MX_PRIVATE_ADDRESS | -       | The MX host mx.example.test of example.test resolves to 127.0.0.1, a loopback address; the prober does not connect there.
            every host dead        | SMTP_UNREACHABLE   | CONNECT | Every MX host of example.test failed earlier in this run (timeout or refused connection); not tried again.
            every host dead, one broke the protocol | SMTP_PROTOCOL_ERROR | CONNECT | Every MX host of example.test failed earlier in this run; the host broke the protocol earlier in this run: The session with mx.example.test broke off at rcpt: ProtocolException (reply line longer than 2048 octets); not tried again.
            not tried by the deadline | UNVERIFIABLE    | -       | Not tried: the request's time ran out (the check's deadline of 25 s) before this address's turn; nothing was learnt about the mailbox or its host. Check again later.
            deadline               | SMTP_UNREACHABLE   | -       | No answer from the SMTP stage within the check's deadline of 15 s (a slow mail host, or a long wait for a free connection); check again later.
            failed unexpectedly    | SMTP_PROTOCOL_ERROR | -      | The SMTP stage failed unexpectedly (internal error ID); nothing was learnt about the mailbox.
            failed, nothing thrown | SMTP_PROTOCOL_ERROR | -      | The SMTP stage failed unexpectedly; nothing was learnt about the mailbox.
            """)
    void withoutSession(String situation, Reason reason, Stage stage, String detail) {
        SmtpOutcome o;
        try (LoggedDefects log = new LoggedDefects()) {
            o = outcome(situation);
            if (detail.contains("internal error ID")) {
                // The id is random: the detail must name the log line that holds the defect's stack.
                log.assertLogged(o.detail(), OutOfMemoryError.class, "a defect", "OutcomesTest.outcome");
                detail = LoggedDefects.withIdOf(o.detail(), detail);
            } else {
                assertEquals(List.of(), log.lines(), "nothing thrown, nothing logged");
            }
        }
        assertEquals(reason, o.reason(), o::detail);
        assertEquals(detail, o.detail());
        assertNull(o.reply(), "no reply was heard");
        assertEquals(new SmtpReport(null, null, stage, List.of(), SmtpReport.StartTls.NOT_OFFERED, null,
                CatchAll.NOT_CHECKED, null, List.of()), o.report());
    }

    private static SmtpOutcome outcome(String situation) {
        // The refusal comes from the plan the prober makes, not from the test: the outcome's sentence is the plan's.
        MailDomain loopbackMx = new MailDomain("example.test", Reason.ACCEPTS_MAIL, "",
                List.of(new MxHost(10, "mx.example.test", List.of("127.0.0.1"))), null, false, 0,
                Map.of("127.0.0.1", "loopback"));
        return switch (situation) {
            case "unsafe local part" -> Outcomes.unsafeLocalPart();
            case "no public host" -> Outcomes.noPublicHost(Plan.of(loopbackMx).refused());
            case "every host dead" -> Outcomes.everyHostDead("example.test", null);
            case "every host dead, one broke the protocol" -> Outcomes.everyHostDead("example.test", "The session with"
                    + " mx.example.test broke off at rcpt: ProtocolException (reply line longer than 2048 octets)");
            case "not tried by the deadline" -> Outcomes.notTried("25 s");
            case "deadline" -> Outcomes.noAnswerBefore("15 s");
            case "failed unexpectedly" -> Outcomes.failedUnexpectedly(new OutOfMemoryError("a defect"));
            case "failed, nothing thrown" -> Outcomes.failedUnexpectedly(null);
            default -> throw new IllegalArgumentException(situation);
        };
    }
}
