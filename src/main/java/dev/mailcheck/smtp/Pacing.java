package dev.mailcheck.smtp;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the prober protects the reputation of the IP it probes from (docs/smtp-probe.md): the block
 * breaker and its cool-down, and the budgets on top of the concurrency limits of {@link SmtpSettings}.
 *
 * @param breaker           stop contacting a provider group that refused the prober itself
 * @param coolDown          how long a tripped breaker keeps the group untouched
 * @param connectsPerMinute new sessions per minute per MX address; 0 for no budget
 * @param rcptsPerMinute    RCPT commands per minute per provider group; 0 for no budget
 */
public record Pacing(boolean breaker, Duration coolDown, int connectsPerMinute, int rcptsPerMinute) {

    public static final Duration DEFAULT_COOL_DOWN = Duration.ofMinutes(30);
    /**
     * No large provider publishes a rate for new connections or RCPTs from one IP; these defaults sit
     * below the thresholds that operators of anvil-style limits commonly configure (Postfix's
     * smtpd_client_connection_rate_limit, counted per anvil_rate_time_unit of 60 s, is often set to
     * 30-60 per minute per client; see docs/smtp-probe.md for the sources and the reasoning).
     */
    public static final int DEFAULT_CONNECTS_PER_MINUTE = 20;
    public static final int DEFAULT_RCPTS_PER_MINUTE = 300;
    private static final Pattern RATE = Pattern.compile("(\\d{1,7})\\s*(?:/\\s*(min|m|s|sec))?");

    public Pacing {
        if (coolDown.isNegative() || connectsPerMinute < 0 || rcptsPerMinute < 0) {
            throw new IllegalArgumentException("cool-down and rates must not be negative");
        }
    }

    /** The breaker on, a 30-minute cool-down, and budgets a single IP can live with. */
    public static Pacing defaults() {
        return new Pacing(true, DEFAULT_COOL_DOWN, DEFAULT_CONNECTS_PER_MINUTE, DEFAULT_RCPTS_PER_MINUTE);
    }

    /** No breaker and no budgets: only the concurrency limits (benchmarks against one's own servers, tests). */
    public static Pacing off() {
        return new Pacing(false, DEFAULT_COOL_DOWN, 0, 0);
    }

    public Pacing withConnectsPerMinute(int n) {
        return new Pacing(breaker, coolDown, n, rcptsPerMinute);
    }

    public Pacing withRcptsPerMinute(int n) {
        return new Pacing(breaker, coolDown, connectsPerMinute, n);
    }

    public Pacing withBreaker(boolean on, Duration coolDown) {
        return new Pacing(on, coolDown, connectsPerMinute, rcptsPerMinute);
    }

    /** A rate as the flags take it: "60/min", "2/s", or a bare number per minute; 0 turns the budget off. */
    public static int perMinute(String rate) {
        Matcher m = RATE.matcher(rate.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("a rate is N/min or N/s (0 for none): " + rate);
        }
        long n = Long.parseLong(m.group(1));
        long perMinute = m.group(2) != null && m.group(2).startsWith("s") ? n * 60 : n;
        if (perMinute > 1_000_000) {
            throw new IllegalArgumentException("a rate above 1,000,000/min is no budget; use 0 for none: " + rate);
        }
        return (int) perMinute;
    }
}
