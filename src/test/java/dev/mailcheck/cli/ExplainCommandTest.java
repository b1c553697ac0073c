package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code checker explain}, in process: arguments in, the text a person reads out. */
class ExplainCommandTest {

    record Run(int exit, String stdout, String stderr) {
    }

    private static Run explain(String args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(("explain " + args).split(" "));
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "explain {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # arguments          | first line                          | also says                        | comparisons
            556                  | 556  Permanent negative completion  | Meaning: The domain does not accept mail | 1
            556 --lang ar        | 556  رد سلبي دائم                   | المعنى: النطاق لا يقبل البريد     | 1
            --lang=AR 354        | 354  رد إيجابي وسيط                 | متى يظهر:                         | 1
            354 556              | 354  Positive intermediate          | 556  Permanent negative completion | 1
            556 354 556          | 556  Permanent negative completion  | 354  Positive intermediate       | 1
            250                  | 250  Positive completion            | What to do: Nothing.             | 0
            451                  | 451  Transient negative completion  | When you see it:                 | 0
            """)
    void explainsCodesReadably(String args, String firstLine, String alsoSays, int comparisons) {
        Run run = explain(args);
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(firstLine.strip(), run.stdout().lines().findFirst().orElseThrow());
        assertTrue(run.stdout().contains(alsoSays.strip()), run.stdout());
        // A comparison is printed once, however many of its codes were asked for.
        long headings = run.stdout().lines().filter(l -> l.startsWith("Compared ") || l.startsWith("مقارنة ")).count();
        assertEquals(comparisons, headings, run.stdout());
        assertEquals(Arrays.stream(args.split(" ")).filter(a -> a.matches("\\d+")).distinct().count(),
                run.stdout().lines().filter(l -> l.matches("\\d{3}  .*")).count(), run.stdout());
    }

    @ParameterizedTest(name = "explain {0} -> exit 2")
    @CsvSource(delimiter = '|', textBlock = """
            # arguments     | message
            999             | no SMTP reply code 999 in the reference
            abc             | Invalid value for positional parameter
            556 --lang fr   | Invalid value for option '--lang'
            --lang ar       | Missing required parameter
            """)
    void refusesWhatItCannotExplain(String args, String message) {
        Run run = explain(args);
        assertEquals(2, run.exit());
        assertTrue(run.stderr().contains(message.strip()), run.stderr());
    }
}
