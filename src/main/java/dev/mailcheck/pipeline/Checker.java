package dev.mailcheck.pipeline;

import dev.mailcheck.Defects;
import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MailRouting;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurity.Dnssec;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.signals.SignalCheck;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.smtp.Outcomes;
import dev.mailcheck.smtp.SmtpOutcome;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The pipeline for one address: syntax, DNS, signals (role, disposable, free provider, typo),
 * optionally SMTP, then the verdict. Never completes exceptionally, and never later than its deadline:
 * a check still running then ends as an unknown that says so.
 */
public final class Checker {

    /**
     * A backstop for whole runs, not a timing: long enough for a probe that waits its turn behind many
     * others of a big provider; stages have their own, shorter timeouts.
     */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(15);

    /** Shared with {@link #withSecurity()}'s checker, made per API request: its cache of domains outlives it. */
    private final AddressParser parser;
    private final MxResolver dns;
    private final SmtpProber smtp;
    private final SignalCheck signals;
    private final TransportSecurityLookup security;
    private final boolean reportSecurity;
    private final Duration deadline;

    /** A checker that stops after DNS, reports no transport security, and gives each check {@link #DEFAULT_DEADLINE}. */
    public Checker(MxResolver dns) {
        this(new AddressParser(), dns, null, null, DEFAULT_DEADLINE, false);
    }

    private Checker(AddressParser parser, MxResolver dns, SmtpProber smtp, TransportSecurityLookup security,
                    Duration deadline, boolean reportSecurity) {
        this.parser = parser;
        this.dns = dns;
        this.smtp = smtp;
        this.signals = SignalCheck.bundled();
        this.security = security;
        this.deadline = deadline;
        this.reportSecurity = reportSecurity;
    }

    /** This checker with an SMTP stage after DNS; null to stop after DNS. */
    public Checker withSmtp(SmtpProber smtp) {
        return new Checker(parser, dns, smtp, security, deadline, reportSecurity);
    }

    /**
     * This checker with its SMTP stage going on to DATA's 354 ({@link SmtpProber#goingToData}, as polite as this
     * one's together with it, and the same prober on every call); null for a checker without an SMTP stage.
     */
    public Checker goingToData() {
        return smtp == null ? null : new Checker(parser, dns, smtp.goingToData(), security, deadline, reportSecurity);
    }

    /**
     * This checker with what {@link #withSecurity()} reports with, or null where it can't; the checker itself
     * reports nothing of it, as the report costs queries of its own.
     */
    public Checker withSecurityLookup(TransportSecurityLookup security) {
        return new Checker(parser, dns, smtp, security, deadline, reportSecurity);
    }

    /** This checker with {@code deadline} for one check in all, from the call of {@link #check}. */
    public Checker withDeadline(Duration deadline) {
        return new Checker(parser, dns, smtp, security, deadline, reportSecurity);
    }

    /** This checker, also reporting each domain's transport security; null when it was given no lookup for it. */
    public Checker withSecurity() {
        return security == null ? null : new Checker(parser, dns, smtp, security, deadline, true);
    }

    /** Whether a check may take minutes: it probes SMTP. */
    boolean probes() {
        return smtp != null;
    }

    public CompletableFuture<CheckResult> check(String input) {
        return check(input, null);
    }

    /**
     * As {@link #check(String)}, for a caller that may leave: once {@code gone} completes, the SMTP probe gives the
     * address up (never asked, or asked no further: it costs the prober's IP address its reputation for nobody).
     *
     * @param gone completes when nobody waits for the result any more; null for never
     */
    public CompletableFuture<CheckResult> check(String input, CompletionStage<?> gone) {
        long end = System.nanoTime() + deadline.toNanos();
        return switch (parser.parse(input)) {
            case ParsedAddress.Invalid bad -> invalid(bad);
            case ParsedAddress.Valid ok -> {
                String domain = ok.address().domain();
                CompletableFuture<MailDomain> lookup = dns.resolve(domain);
                // Most addresses of a list are at a domain already answered: they need no fallbacks and no
                // future chain, which cost more than the rest of their check.
                yield alsoSecurity(domain, lookup.state() == Future.State.SUCCESS
                        ? afterDns(ok, lookup.resultNow(), signals.of(ok.address(), lookup.resultNow().reason()), end,
                                gone)
                        : withFallbacks(domain, lookup).thenCompose(md -> afterDns(ok, md,
                                signals.of(ok.address(), md.reason()), end, gone)), end);
            }
        };
    }

    /**
     * Checks for one run through a list (in {@link Rechecks}): what depends on a domain alone (its DNS answer with
     * the fallbacks and deadline, the list look-ups and typo search of its signals) is worked out once per domain,
     * when its answer comes, and every address of the domain takes it from a map of this run's recent domains.
     * An address whose domain is answered gets its result at once, with no future chain. Bounded: at most
     * {@link #SHARED_DOMAINS} domains, each kept no longer than its answer may be reused
     * ({@link MxResolver#reusableNanos}). Safe from any thread: a recheck's try comes from a timer.
     */
    Function<String, CompletableFuture<CheckResult>> sharingDomains() {
        return new SharedDomains()::check;
    }

    /**
     * Domains a list run keeps at most: as many as a resolver does, since a resolver {@link MxResolver#forOneList}
     * keeps none and a domain let go is asked again (fewer also worked out more domains' signals again).
     */
    static final int SHARED_DOMAINS = MxResolver.MAX_DOMAINS;

    /** A domain's DNS answer and what its addresses' signals take from it, and until when it may be used. */
    private record Answered(MailDomain md, SignalCheck.DomainSignals signals, long usableUntil) {
    }

    private final class SharedDomains {
        /** The check's deadline in nanoseconds: read once, as every address of a list reads it (Duration's arithmetic). */
        private final long deadlineNanos = deadline.toNanos();
        private final DomainDeadlines deadlines = new DomainDeadlines(deadlineNanos, seconds());
        private final RecentDomains<CompletableFuture<Answered>> recent = new RecentDomains<>(SHARED_DOMAINS);

        CompletableFuture<CheckResult> check(String input) {
            // One clock read an address, for its deadline and its domain's answer both.
            long now = System.nanoTime();
            long end = now + deadlineNanos;
            return switch (parser.parse(input)) {
                case ParsedAddress.Invalid bad -> invalid(bad);
                case ParsedAddress.Valid ok -> {
                    String domain = ok.address().domain();
                    CompletableFuture<Answered> answer = answer(ok.address(), now);
                    yield alsoSecurity(domain, answer.state() == Future.State.SUCCESS ? afterDns(ok, answer.resultNow(), end)
                            : answer.thenCompose(a -> afterDns(ok, a, end)), end);
                }
            };
        }

        private CompletableFuture<CheckResult> afterDns(ParsedAddress.Valid ok, Answered a, long end) {
            return Checker.this.afterDns(ok, a.md(), signals.of(ok.address(), a.signals()), end, null);
        }

        /** The domain's answer: in flight, or answered and still usable at {@code now}, or asked for now. */
        private CompletableFuture<Answered> answer(EmailAddress address, long now) {
            String domain = address.domain();
            synchronized (recent) {
                CompletableFuture<Answered> known = recent.get(domain);
                if (known != null && (!known.isDone() || known.resultNow().usableUntil() - now > 0)) {
                    return known;
                }
                // Its deadline is the first address's, which no later address's precedes.
                CompletableFuture<Answered> asked = deadlines.held(domain, dns.resolve(domain)).thenApply(md ->
                        new Answered(md, signals.domain(address, md.reason()), System.nanoTime()
                                + dns.reusableNanos(domain, md)));
                recent.put(domain, asked);
                return asked;
            }
        }
    }

    /** A lookup held to the check's deadline, a defect in it an unknown: never an exception, nor a verdict. */
    private CompletableFuture<MailDomain> withFallbacks(String domain, CompletableFuture<MailDomain> lookup) {
        return lookup.exceptionally(e -> MailRouting.stageFailed(domain, e))
                .completeOnTimeout(MailRouting.noAnswerBefore(domain, seconds()), deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** No address, but maybe a slip in one (jane@gmail,com): the one meant, if a repair makes it valid. */
    private CompletableFuture<CheckResult> invalid(ParsedAddress.Invalid bad) {
        return CompletableFuture.completedFuture(CheckResult.invalid(bad.input(), bad.detail(), signals.ofInvalid(
                bad.input(), meant -> parser.parse(meant) instanceof ParsedAddress.Valid)));
    }

    /** The SMTP stage where it runs and DNS found a mail route. */
    private CompletableFuture<CheckResult> afterDns(ParsedAddress.Valid ok, MailDomain md, Signals s, long end,
                                                    CompletionStage<?> gone) {
        if (smtp == null || md.reason() != Reason.ACCEPTS_MAIL) {
            return CompletableFuture.completedFuture(CheckResult.of(ok.input(), ok.address(), md, s));
        }
        return probe(ok.address(), md, end, gone).thenApply(o -> CheckResult.of(ok.input(), ok.address(), md, s, o));
    }

    /**
     * The result with its domain's transport security, looked up beside the other stages, when asked for; held to
     * the check's deadline ({@code end}, nanoTime) as they are: the lookup's timeout is per query, its TLSA queries
     * follow its MX query, and its queries may wait for a slot first.
     */
    private CompletableFuture<CheckResult> alsoSecurity(String domain, CompletableFuture<CheckResult> result, long end) {
        if (!reportSecurity) {
            return result;
        }
        CompletableFuture<TransportSecurity> report = security.lookup(domain).exceptionally(e -> new TransportSecurity(
                Dnssec.UNKNOWN, null, null, null, "The security lookup failed unexpectedly ("
                + Defects.mention(Defects.log("in the security lookup for " + domain, e)) + ")."));
        if (!report.isDone()) { // most addresses of a list find their domain's report kept: no timer for them
            report.completeOnTimeout(new TransportSecurity(Dnssec.UNKNOWN, null, null, null, "No DNS answer within the"
                    + " check's deadline of " + seconds() + "; check again later."), end - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
        }
        return result.thenCombine(report, CheckResult::withSecurity);
    }

    /**
     * The SMTP stage, held to the check's deadline: the prober answers by then (saying whether the address was
     * being asked or never got its turn) and closes a session nobody waits for any more.
     */
    private CompletableFuture<SmtpOutcome> probe(EmailAddress address, MailDomain md, long end,
                                                 CompletionStage<?> gone) {
        CompletableFuture<SmtpOutcome> probe;
        try {
            probe = smtp.probe(address, md, end, seconds(), gone);
        } catch (RuntimeException e) {
            probe = CompletableFuture.failedFuture(e);
        }
        return probe.exceptionally(Outcomes::failedUnexpectedly);
    }

    private String seconds() {
        return deadline.toMillis() % 1000 == 0 ? deadline.toSeconds() + " s" : deadline.toMillis() + " ms";
    }

    /** A record the input reader could not decode (say, a CSV row with a stray quote) still gets a result. */
    public CompletableFuture<CheckResult> unreadable(String input, String detail) {
        return CompletableFuture.completedFuture(CheckResult.invalid(input, detail));
    }
}
