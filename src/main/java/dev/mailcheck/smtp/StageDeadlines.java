package dev.mailcheck.smtp;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Holds each stage of one SMTP connection to a deadline for the whole stage, not per read: a per-read
 * timeout is reset by every byte, so a server that drips one byte a second (in a TLS handshake, say)
 * would hold the session for as long as it liked. An alarm closes the socket when the stage's time is up,
 * or earlier when every check waiting for the session has passed its own deadline ({@link #until}), which
 * ends whatever read or write is blocked on it. Apart from the session, which only says what each stage
 * does, so that this timing has one home and a test of its own.
 */
final class StageDeadlines {

    /** One timer thread for every session's alarms: most are cancelled long before they are due. */
    private static final ScheduledThreadPoolExecutor ALARMS = alarms();

    private final SmtpSettings settings;
    /** The latest deadline of the checks the session works for, in nanoTime; null when they have none. */
    private Long until;
    /** Set when an alarm closed the socket: true when nobody waited any more, false at a stage's deadline. */
    private volatile Boolean expired;

    StageDeadlines(SmtpSettings settings, Long until) {
        this.settings = settings;
        this.until = until;
    }

    /**
     * The checks waiting for the session now end by {@code until} (nanoTime; null: they have no deadline):
     * once it passes, nobody waits for an answer and the socket is closed, freeing the session's slots.
     */
    void until(Long until) {
        this.until = until;
    }

    /** When {@code stage}, starting now, must have ended (nanoTime). */
    long deadline(Stage stage) {
        return System.nanoTime() + settings.timeout(stage).toNanos();
    }

    /** Socket work that may block. */
    interface Io<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code io} with {@code socket} closed at {@code deadline}, or earlier at {@link #until} when nobody
     * waits for the session any more. What that close interrupts ends as a {@link ReplyReader.DeadlineException}
     * naming the stage's limit, resp. as {@link Abandoned}; garbage from the server stays a
     * {@link ReplyReader.ProtocolException}.
     */
    <T> T guard(Socket socket, Stage stage, long deadline, Io<T> io) throws IOException {
        Long budget = until;
        boolean budgetFirst = budget != null && budget - deadline < 0;
        long end = budgetFirst ? budget : deadline;
        ScheduledFuture<?> alarm = ALARMS.schedule(() -> expire(socket, budgetFirst),
                Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        try {
            return io.run();
        } catch (IOException e) {
            Boolean abandoned = expired;
            if (abandoned == null || e instanceof ReplyReader.ProtocolException) {
                throw e;
            }
            throw abandoned ? new Abandoned("the checks waiting for this session reached their deadline")
                    : new ReplyReader.DeadlineException("no end to " + stage.code() + " within its "
                    + settings.timeout(stage).toMillis() + " ms");
        } finally {
            alarm.cancel(false);
        }
    }

    /** The session was closed because every check waiting for it had reached its deadline. */
    static final class Abandoned extends SocketTimeoutException {
        Abandoned(String message) {
            super(message);
        }
    }

    private void expire(Socket s, boolean abandoned) {
        expired = abandoned;
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static ScheduledThreadPoolExecutor alarms() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("smtp-stage-deadlines").factory());
        e.setRemoveOnCancelPolicy(true); // most alarms are cancelled: they must not pile up until they are due
        return e;
    }
}
