package dev.mailcheck.smtp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How the SMTP stage probes.
 *
 * @param helo              the name given in EHLO/HELO; use one whose A and PTR records match the prober's address
 * @param mailFrom          the reverse path of MAIL FROM; empty for the null sender {@code <>}
 * @param port              the SMTP port of every MX host (25 on the Internet)
 * @param data              go on to DATA and stop at its 354, then close the connection
 * @param starttls          use STARTTLS when the server offers it
 * @param allowPrivateMx    connect to loopback/private MX addresses (test beds only)
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
                           boolean allowPrivateMx, InetSocketAddress socks, Map<Stage, Duration> timeouts,
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

    public SmtpSettings {
        EnumMap<Stage, Duration> all = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            all.put(s, DEFAULT_TIMEOUTS.getOrDefault(s, Duration.ofSeconds(10)));
        }
        all.putAll(timeouts);
        timeouts = Map.copyOf(all);
        if (helo.isBlank() || helo.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("the HELO name must be one word: " + helo);
        }
        if (mailFrom.chars().anyMatch(c -> c < ' ' || c == 0x7f || c == '<' || c == '>')) {
            throw new IllegalArgumentException("the MAIL FROM address has characters that break SMTP: " + mailFrom);
        }
    }

    public static SmtpSettings defaults() {
        return new SmtpSettings("checker.invalid", "", 25, false, true, false, null, Map.of(), 50, 2, 64, 8,
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
        timeouts.forEach((st, d) -> scaled.put(st, Duration.ofNanos((long) (d.toNanos() * factor))));
        return new SmtpSettings(helo, mailFrom, port, data, starttls, allowPrivateMx, socks, scaled,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, Duration.ZERO);
    }

    /** These settings without linger: a session ends as soon as its domain has no address waiting. */
    public SmtpSettings withoutLinger() {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, allowPrivateMx, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, Duration.ZERO);
    }

    public SmtpSettings withPort(int port) {
        return new SmtpSettings(helo, mailFrom, port, data, starttls, allowPrivateMx, socks, timeouts,
                rcptsPerTransaction, perHostSessions, sessions, errorsPerSession, linger);
    }
}
