package dev.mailcheck.cli;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.Servers;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.smtp.Stage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The resolver and probe options that `check` and `serve` share, and what they build. */
final class PipelineOptions {

    /** {@link SmtpSettings#stageNames()}, which an annotation can't call; PipelineOptionsTest holds them equal. */
    static final String TIMED_STAGES = "connect, greeting, ehlo, helo, starttls, mail, rcpt, data, rset, quit";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--dns", paramLabel = "HOST[:PORT]",
            description = "DNS resolver to ask (repeatable, tried in order). Default: the system's resolvers.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--dns-timeout-ms", defaultValue = "5000", paramLabel = "MS",
            description = "Time budget of one DNS lookup, retries included (default: ${DEFAULT-VALUE}).")
    long dnsTimeoutMs;

    @Option(names = "--max-in-flight", defaultValue = "" + MxResolver.DEFAULT_MAX_IN_FLIGHT, paramLabel = "N",
            description = "DNS queries outstanding at once (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--dns-qps", defaultValue = "0", paramLabel = "N",
            description = "DNS packets per second at most, retries included; 0 for no limit (default: ${DEFAULT-VALUE})."
                    + " A resolver that seems to throttle (a run of timeouts, REFUSED, SERVFAIL) is backed off from either way.")
    int dnsQps;

    @Option(names = "--dns-validates",
            description = "The resolvers validate DNSSEC: a security report's answer without their AD bit is 'insecure'"
                    + " (without this it is 'unknown': an unsigned zone and an unchecked one look the same).")
    boolean dnsValidates;

    @Option(names = "--smtp", description = "Also ask each domain's mail server about the mailbox (EHLO, MAIL FROM, RCPT TO; nothing is ever sent).")
    boolean smtp;

    @Option(names = "--smtp-data", description = "With --smtp: go on to DATA and stop at its 354, then close the connection.")
    boolean smtpData;

    @Option(names = "--smtp-port", defaultValue = "25", paramLabel = "N", description = "SMTP port of the MX hosts (default: ${DEFAULT-VALUE}).")
    int smtpPort;

    @Option(names = "--helo", defaultValue = "checker.invalid", paramLabel = "NAME",
            description = "Name for EHLO/HELO; on the Internet use one whose A and PTR records match your address (default: ${DEFAULT-VALUE}).")
    String helo;

    @Option(names = "--mail-from", defaultValue = "", paramLabel = "ADDR", description = "MAIL FROM address (default: the null sender <>).")
    String mailFrom;

    @Option(names = "--allow-private-mx",
            description = "Take MX hosts on loopback/private addresses as mail hosts, and probe them (test beds only).")
    boolean allowPrivateMx;

    @Option(names = "--socks", paramLabel = "HOST:PORT", description = "Connect to MX hosts through this SOCKS5 proxy.")
    String socks;

    @Option(names = "--smtp-timeout", paramLabel = "STAGE=MS",
            description = "Time for the whole of one SMTP stage, repeatable; STAGE is one of " + TIMED_STAGES
                    + " (1 ms to 10 minutes each).")
    Map<Stage, Long> smtpTimeouts = new EnumMap<>(Stage.class);

    @Option(names = "--rcpts-per-transaction", defaultValue = "50", paramLabel = "N", description = "RCPTs per MAIL transaction (default: ${DEFAULT-VALUE}).")
    int rcptsPerTransaction;

    @Option(names = "--sessions-per-host", defaultValue = "2", paramLabel = "N", description = "SMTP sessions at once per MX address (default: ${DEFAULT-VALUE}).")
    int sessionsPerHost;

    @Option(names = "--sessions", defaultValue = "64", paramLabel = "N", description = "SMTP sessions at once in all (default: ${DEFAULT-VALUE}).")
    int sessions;

    @Option(names = "--smtp-connect-rate", defaultValue = Pacing.DEFAULT_CONNECTS_PER_MINUTE + "/min", paramLabel = "N/min",
            description = "New SMTP sessions per minute per MX address; 0 for no budget (default: ${DEFAULT-VALUE}).")
    String connectRate;

    @Option(names = "--smtp-rcpt-rate", defaultValue = Pacing.DEFAULT_RCPTS_PER_MINUTE + "/min", paramLabel = "N/min",
            description = "RCPT commands per minute per provider group (Microsoft, Google, ...); 0 for no budget"
                    + " (default: ${DEFAULT-VALUE}).")
    String rcptRate;

    @Option(names = "--smtp-cool-down-minutes", defaultValue = "30", paramLabel = "N",
            description = "How long a provider group that refused the prober itself is left alone (default: ${DEFAULT-VALUE}).")
    long coolDownMinutes;

    @Option(names = "--no-smtp-breaker", negatable = false,
            description = "Keep probing a provider group that refused the prober itself (benchmarks against your own servers only).")
    boolean noBreaker;

    MxResolver resolver() {
        checkCounts();
        return new MxResolver(servers(), Duration.ofMillis(dnsTimeoutMs), maxInFlight, allowPrivateMx, dnsQps);
    }

    /** For {@code check}'s one list, which keeps its domains' answers itself ({@link MxResolver#forOneList}). */
    MxResolver resolverForOneList() {
        checkCounts();
        return MxResolver.forOneList(servers(), Duration.ofMillis(dnsTimeoutMs), maxInFlight, allowPrivateMx, dnsQps);
    }

    private void checkCounts() {
        if (dnsQps < 0) {
            throw new ParameterException(spec.commandLine(), "--dns-qps must be 0 (no limit) or more");
        }
        if (dnsTimeoutMs <= 0 || maxInFlight <= 0 || rcptsPerTransaction <= 0 || sessionsPerHost <= 0 || sessions <= 0
                || smtpPort < 1 || smtpPort > 65535) {
            throw new ParameterException(spec.commandLine(), "counts, timeouts and ports must be positive (ports at most 65535)");
        }
    }

    /** The transport-security lookup on the same resolvers; it sends nothing until a report is asked for. */
    TransportSecurityLookup security() {
        return new TransportSecurityLookup(servers(), Duration.ofMillis(dnsTimeoutMs), maxInFlight, dnsValidates);
    }

    private List<InetSocketAddress> servers() {
        return dns.stream().map(d -> server(d, "--dns", 53)).toList();
    }

    /** The probe, or null without --smtp/--smtp-data. */
    SmtpProber prober() {
        SmtpSettings settings = smtpSettings();
        return settings == null ? null : new SmtpProber(settings, pacing());
    }

    /** The breaker and budgets the flags ask for. */
    Pacing pacing() {
        try {
            if (coolDownMinutes <= 0) {
                throw new IllegalArgumentException("--smtp-cool-down-minutes must be positive");
            }
            return new Pacing(!noBreaker, Duration.ofMinutes(coolDownMinutes), Pacing.perMinute(connectRate),
                    Pacing.perMinute(rcptRate));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** How to probe, or null without --smtp/--smtp-data. */
    SmtpSettings smtpSettings() {
        if (!smtp && !smtpData) {
            return null;
        }
        Map<Stage, Duration> timeouts = new EnumMap<>(Stage.class);
        smtpTimeouts.forEach((stage, ms) -> timeouts.put(stage, Duration.ofMillis(ms)));
        try {
            return SmtpSettings.defaults().withTimeouts(timeouts).withHelo(helo).withMailFrom(mailFrom)
                    .withPort(smtpPort).withData(smtpData)
                    .withSocks(socks == null ? null : server(socks, "--socks", 1080))
                    .withRcptsPerTransaction(rcptsPerTransaction).withPerHostSessions(sessionsPerHost)
                    .withSessions(sessions);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private InetSocketAddress server(String hostPort, String option, int defaultPort) {
        try {
            return Servers.parse(hostPort, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + " " + e.getMessage());
        }
    }
}
