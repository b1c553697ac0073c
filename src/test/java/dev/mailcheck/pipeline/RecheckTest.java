package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import dev.mailcheck.Reason;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.smtp.SmtpReport.CatchAll;
import dev.mailcheck.smtp.SmtpReport.StartTls;
import dev.mailcheck.smtp.SmtpReport;
import dev.mailcheck.smtp.Stage;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The recheck policy as a table: which answers are tried again, and after how long. */
class RecheckTest {

    private static CheckResult result(Reason reason, int code, Integer hint, int tries) {
        SmtpReport smtp = new SmtpReport("mx.example.test", "192.0.2.1", Stage.RCPT, List.of(), StartTls.NOT_OFFERED,
                null, CatchAll.NOT_CHECKED, hint, List.of());
        return CheckResult.builder("user@example.test").normalized("user@example.test").domain("example.test")
                .domainUnicode("example.test").reason(reason).detail("a row of the table")
                .predictedReply(new SmtpReply(code, null)).smtp(smtp).tries(tries).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                       | tries | window s | reason            | reply | hint s | tries so far | elapsed s | wait s
            greylisting: the server's delay                  | 3     | 3600     | TEMPORARY_FAILURE | 450   | 300    | 1            | 0         | 300
            greylisting, second recheck                      | 3     | 3600     | TEMPORARY_FAILURE | 450   | 300    | 2            | 301       | 300
            tries used up                                    | 3     | 3600     | TEMPORARY_FAILURE | 450   | 300    | 3            | 602       | -
            rechecks off                                     | 1     | 3600     | TEMPORARY_FAILURE | 450   | 300    | 1            | 0         | -
            421 closing the session: its own longer hint     | 3     | 3600     | TEMPORARY_FAILURE | 421   | 900    | 1            | 0         | 900
            no hint: greylisting's usual delay               | 3     | 3600     | TEMPORARY_FAILURE | 451   | -      | 1            | 0         | 300
            a hint of zero: the shortest wait                | 3     | 3600     | TEMPORARY_FAILURE | 450   | 0      | 1            | 0         | 5
            short window: an equal share of it per try left  | 3     | 8        | TEMPORARY_FAILURE | 450   | 300    | 1            | 0         | 4
            short window, the last try                       | 3     | 8        | TEMPORARY_FAILURE | 450   | 300    | 2            | 4         | 4
            window caps the wait even below the shortest     | 3     | 4        | TEMPORARY_FAILURE | 450   | 300    | 1            | 0         | 2
            five tries share the window                      | 5     | 100      | TEMPORARY_FAILURE | 450   | 300    | 1            | 0         | 25
            the last try ends with the window                | 3     | 1200     | TEMPORARY_FAILURE | 450   | 900    | 2            | 1000      | 200
            the window has passed                            | 3     | 3600     | TEMPORARY_FAILURE | 450   | 300    | 1            | 3600      | -
            421 too many connections at the greeting         | 3     | 3600     | SMTP_BLOCKED      | 421   | -      | 1            | 0         | 300
            a 5xx block is no "later"                        | 3     | 3600     | SMTP_BLOCKED      | 554   | -      | 1            | 0         | -
            DNS failure: the resolver has retried already    | 3     | 3600     | DNS_FAILURE       | 451   | -      | 1            | 0         | -
            unreachable: each try costs full timeouts        | 3     | 3600     | SMTP_UNREACHABLE  | 421   | -      | 1            | 0         | -
            a full mailbox seldom empties within the hour    | 3     | 3600     | MAILBOX_FULL      | 452   | 300    | 1            | 0         | -
            accepted is final                                | 3     | 3600     | MAILBOX_ACCEPTED  | 250   | -      | 1            | 0         | -
            rejected is final                                | 3     | 3600     | MAILBOX_REJECTED  | 550   | -      | 1            | 0         | -
            """)
    void whetherAndWhenToCheckAgain(String scenario, int tries, long window, Reason reason, int reply, Integer hint,
                                    int triesSoFar, long elapsed, Long wait) {
        Optional<Duration> next = new Recheck(tries, Duration.ofSeconds(window))
                .next(result(reason, reply, hint, triesSoFar), Duration.ofSeconds(elapsed));
        assertEquals(Optional.ofNullable(wait).map(Duration::ofSeconds), next);
    }

    @ParameterizedTest(name = "{0} tries within {1} s")
    @CsvSource({"0, 3600", "-1, 3600", "3, -1"})
    void refusesAPolicyWithoutATry(int tries, long window) {
        assertThrows(IllegalArgumentException.class, () -> new Recheck(tries, Duration.ofSeconds(window)));
    }
}
