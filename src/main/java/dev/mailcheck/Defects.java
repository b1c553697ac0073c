package dev.mailcheck;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place a defect (a bug, a resource running out: anything thrown that no stage expected) is logged.
 * A defect turned into a result or a give-up would otherwise leave only a word behind; here its whole stack
 * goes to the log under a short id, and the result's detail carries {@code internal error <id>} so that a user's
 * report leads to the stack.
 *
 * <p>java.util.logging, the one logging of the code: Quarkus routes it (JBoss LogManager is its manager) to the
 * Lambda functions' output and so to CloudWatch, the CLI sends its warnings and errors to standard error
 * ({@code cli.ConsoleLogging}), and it needs no Lambda context, so the core logs the same way wherever it runs.
 */
public final class Defects {

    private static final Logger LOG = Logger.getLogger(Defects.class.getName());

    private Defects() {
    }

    /**
     * Logs a defect with its stack, addresses in it masked as {@link LogPrivacy} says.
     *
     * @param where what was being done, for the log line (no address in it unless masked)
     * @return the id the log line carries, to be put into what the user sees as {@link #mention(String)}
     */
    public static String log(String where, Throwable defect) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        StringWriter stack = new StringWriter();
        if (defect != null) {
            defect.printStackTrace(new PrintWriter(stack));
        }
        // Rendered here rather than handed to the logger as the record's Throwable: its messages may hold addresses.
        LOG.log(Level.SEVERE, LogPrivacy.text("internal error " + id + " " + where + ": " + stack));
        return id;
    }

    /** How a user-facing detail names a logged defect. */
    public static String mention(String id) {
        return "internal error " + id;
    }
}
