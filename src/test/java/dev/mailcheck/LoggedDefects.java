package dev.mailcheck;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@link Defects} logs while a test runs, so that the test can find a result's defect in the log. */
public final class LoggedDefects extends Handler implements AutoCloseable {

    private static final Pattern MENTION = Pattern.compile("internal error ([0-9a-f]{8})");

    private final Logger logger = Logger.getLogger(Defects.class.getName());
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    public LoggedDefects() {
        logger.addHandler(this);
    }

    /**
     * Asserts that {@code detail} names a defect and that the log holds it at SEVERE, with the stack of
     * {@code defect}'s kind: its class, its message (null: none) and a frame of the method that threw it.
     *
     * @return the log line
     */
    public String assertLogged(String detail, Class<? extends Throwable> defect, String message, String thrownIn) {
        Matcher m = MENTION.matcher(String.valueOf(detail));
        assertTrue(m.find(), () -> "no internal error named in: " + detail);
        String line = records.stream().filter(r -> r.getLevel() == Level.SEVERE)
                .map(LogRecord::getMessage).filter(s -> s.startsWith(m.group())).findFirst()
                .orElseGet(() -> fail("nothing logged as " + m.group() + "; logged: " + lines()));
        assertTrue(line.contains(defect.getName() + (message == null ? "" : ": " + message)), () -> "not the defect: " + line);
        assertTrue(line.contains("\tat ") && line.contains(thrownIn), () -> "no stack down to " + thrownIn + ": " + line);
        return line;
    }

    /** The id that {@code detail} names; a test's expected detail says ID where it stands. */
    public static String withIdOf(String detail, String expected) {
        Matcher m = MENTION.matcher(String.valueOf(detail));
        return m.find() ? expected.replace("internal error ID", m.group()) : expected;
    }

    public List<String> lines() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
