package dev.mailcheck.smtp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the SMTP stage probes.
 *
 * @param helo              the name given in EHLO/HELO; use one whose A and PTR records match the prober's address
 * @param mailFrom          the reverse path of MAIL FROM; empty for the null sender {@code <>}
 * @param port              the SMTP port of every MX host (25 on the Internet)
 * @param data              go on to DATA and stop at its 354, then close the connection
 * @param starttls          use STARTTLS when the server offers it
 * @param socks             a SOCKS5 proxy to connect through, or null
 * @param timeouts          per stage; stages not named take {@link #DEFAULT_TIMEOUTS}
 * @param rcptsPerTransaction recipients per MAIL transaction before RSET and a new one
 * @param perHostSessions   sessions open at once to one MX address
 * @param sessions          sessions open at once in all
 * @param errorsPerSession  rejected RCPTs after which a session is closed and a new one opened, below the
 *                          error limits at which servers (Postfix: 10) start to slow down or disconnect
 * @param linger            how long an idle session waits for more addresses of its domain
 */
public record SmtpSettings(String helo, String mailFrom, int port, boolean data, boolean starttls,
                           InetSocketAddress socks, Map<Stage, Duration> timeouts,
                           int rcptsPerTransaction, int perHostSessions, int sessions, int errorsPerSession,
                           Duration linger) {

    public static final Map<Stage, Duration> DEFAULT_TIMEOUTS = Map.of(
            Stage.CONNECT, Duration.ofSeconds(10),
            Stage.GREETING, Duration.ofSeconds(30),
            Stage.EHLO, Duration.ofSeconds(15),
            Stage.STARTTLS, Duration.ofSeconds(15),
            Stage.MAIL, Duration.ofSeconds(15),
            Stage.RCPT, Duration.ofSeconds(30),
            Stage.DATA, Duration.ofSeconds(30));

    /** The stages a timeout can be given for: every step the session waits on (DATA_354 is where a probe ends). */
    public static final Set<Stage> TIMED_STAGES = Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.of(Stage.DATA_354)));
    /**
     * The longest a stage may be given: RFC 5321 §4.5.3.2 has servers wait at most 5 minutes for a command or
     * 10 for the message; a timeout beyond that waits for nobody, and the check's deadline is 15 minutes.
     */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    public SmtpSettings {
        EnumMap<Stage, Duration> all = new EnumMap<>(Stage.class);
        for (Stage s : TIMED_STAGES) {
            all.put(s, DEFAULT_TIMEOUTS.getOrDefault(s, Duration.ofSeconds(10)));
        }
        // 0 would mean "no timeout at all" to a socket and a negative one throws deep inside the session.
        timeouts.forEach((stage, d) -> {
            if (!TIMED_STAGES.contains(stage)) {
                throw new IllegalArgumentException("no timeout for the stage " + stage.code() + "; the stages are "
                        + stageNames());
            }
            if (d.toMillis() < 1 || d.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("the " + stage.code() + " timeout must be from 1 ms to "
                        + MAX_TIMEOUT.toMinutes() + " minutes, not " + d.toMillis() + " ms");
            }
        });
        all.putAll(timeouts);
        timeouts = Map.copyOf(all);
        if (helo.isBlank() || helo.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("the HELO name must be one word: " + helo);
        }
        if (mailFrom.chars().anyMatch(c -> c < ' ' || c == 0x7f || c == '<' || c == '>')) {
            throw new IllegalArgumentException("the MAIL FROM address has characters that break SMTP: " + mailFrom);
        }
    }

    /** The stages a timeout can be given for, as options name them. */
    public static String stageNames() {
        return TIMED_STAGES.stream().map(Stage::code).collect(Collectors.joining(", "));
    }

    public static SmtpSettings defaults() {
        return new SmtpSettings("checker.invalid", "", 25, false, true, null, Map.of(), 50, 2, 64, 8,
                Duration.ofMillis(250));
    }

    public Duration timeout(Stage stage) {
        return timeouts.get(stage);
    }

    /**
     * Settings for a request that must answer within {@code budget} (the API's {@code smtp=true}): stage
     * timeouts scaled down, never up, so that one MX address's whole path (connect to RCPT, or to DATA)
     * takes at most half of it, leaving the other half for a second MX address or a TLS fallback; and
     * no linger, so no session stays open after the request (a Lambda environment is frozen between
     * invocations, and a session left open would go stale there).
     */
    public SmtpSettings within(Duration budget) {
        List<Stage> path = new java.util.ArrayList<>(List.of(Stage.CONNECT, Stage.GREETING, Stage.EHLO, Stage.MAIL,
                Stage.RCPT));
        if (data) {
            path.add(Stage.DATA);
        }
        long total = path.stream().mapToLong(st -> timeout(st).toNanos()).sum();
        double factor = Math.min(1.0, budget.toNanos() / 2.0 / total);
        EnumMap<Stage, Duration> scaled = new EnumMap<>(Stage.class);
        // Never below a millisecond, which a socket would read as "no timeout".
        timeouts.forEach((st, d) -> scaled.put(st, Duration.ofNanos(Math.max(1_000_000, (long) (d.toNanos() * factor)))));
        return withTimeouts(scaled).withLinger(Duration.ZERO);
    }

    // One with-method per part, so callers name what they change instead of passing 12 values in order.
    public SmtpSettings withHelo(String helo) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withMailFrom(String mailFrom) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    /** These settings without linger: a session ends as soon as its domain has no address waiting. */
    public SmtpSettings withoutLinger() {
        return withLinger(Duration.ZERO);
    }

    public SmtpSettings withPort(int port) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withData(boolean data) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withStarttls(boolean starttls) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withSocks(InetSocketAddress socks) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withTimeouts(Map<Stage, Duration> timeouts) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withRcptsPerTransaction(int rcptsPerTransaction) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withPerHostSessions(int perHostSessions) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withSessions(int sessions) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withErrorsPerSession(int errorsPerSession) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }

    public SmtpSettings withLinger(Duration linger) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }
}
