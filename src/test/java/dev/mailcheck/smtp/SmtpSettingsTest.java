package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmtpSettingsTest {

    /**
     * A request's settings ({@code within}): one MX address's whole path takes at most half the budget, no
     * stage gets more time than it had, and no session lingers after the request.
     */
    @ParameterizedTest(name = "budget {0} s, DATA {1}, RCPT timeout {2} ms")
    @CsvSource({"25, false, 30000", "25, true, 30000", "5, false, 30000", "600, false, 30000", "25, false, 500"})
    void aRequestsSettingsFitItsBudget(int budgetSeconds, boolean data, long rcptMs) {
        SmtpSettings given = SmtpSettings.defaults().withHelo("prober.test").withData(data)
                .withTimeouts(Map.of(Stage.RCPT, Duration.ofMillis(rcptMs)));
        Duration budget = Duration.ofSeconds(budgetSeconds);
        SmtpSettings within = given.within(budget);
        List<Stage> path = data ? List.of(Stage.CONNECT, Stage.GREETING, Stage.EHLO, Stage.MAIL, Stage.RCPT, Stage.DATA)
                : List.of(Stage.CONNECT, Stage.GREETING, Stage.EHLO, Stage.MAIL, Stage.RCPT);
        Duration total = path.stream().map(within::timeout).reduce(Duration.ZERO, Duration::plus);
        assertTrue(total.compareTo(budget.dividedBy(2)) <= 0, total + " for one MX address");
        for (Stage s : SmtpSettings.TIMED_STAGES) {
            assertTrue(within.timeout(s).compareTo(given.timeout(s)) <= 0, s + " got more time");
        }
        assertEquals(Duration.ZERO, within.linger());
    }

    /** 0 meant no connect timeout at all, a negative one "failed unexpectedly" later: both are refused up front. */
    @ParameterizedTest(name = "{0}={1} ms")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # stage  | ms      | refused because
            CONNECT  | 0       | the connect timeout must be from 1 ms to 10 minutes, not 0 ms
            CONNECT  | -5      | the connect timeout must be from 1 ms to 10 minutes, not -5 ms
            RCPT     | 600001  | the rcpt timeout must be from 1 ms to 10 minutes, not 600001 ms
            DATA_354 | 1000    | no timeout for the stage data_354; the stages are connect, greeting, ehlo, helo, starttls, mail, rcpt, data, rset, quit
            RCPT     | 1       | -
            QUIT     | 600000  | -
            """)
    void timeoutsArePositiveBoundedAndForRealStages(Stage stage, long ms, String refused) {
        Runnable build = () -> SmtpSettings.defaults().withTimeouts(Map.of(stage, Duration.ofMillis(ms)));
        if (refused == null) {
            build.run();
        } else {
            assertEquals(refused, org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    build::run).getMessage());
        }
    }
}
