package dev.mailcheck.verdict;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.dns.TransportSecurity.Dnssec;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.signals.SignalCheck;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.smtp.SmtpProber;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The pipeline for one address: syntax, DNS, signals (role, disposable, free provider, typo),
 * optionally SMTP, then the verdict. Never completes exceptionally.
 */
public final class Checker {

    private final AddressParser parser = new AddressParser();
    private final MxResolver dns;
    private final SmtpProber smtp;
    private final SignalCheck signals;
    private final TransportSecurityLookup security;
    private final boolean reportSecurity;

    public Checker(MxResolver dns) {
        this(dns, null);
    }

    /** @param smtp the SMTP stage, or null to stop after DNS */
    public Checker(MxResolver dns, SmtpProber smtp) {
        this(dns, smtp, null, false);
    }

    /**
     * @param security what {@link #withSecurity()} reports with, or null where it can't; this checker itself
     *                 reports nothing of it, as the report costs queries of its own
     */
    public Checker(MxResolver dns, SmtpProber smtp, TransportSecurityLookup security) {
        this(dns, smtp, security, false);
    }

    private Checker(MxResolver dns, SmtpProber smtp, TransportSecurityLookup security, boolean reportSecurity) {
        this.dns = dns;
        this.smtp = smtp;
        this.signals = SignalCheck.bundled();
        this.security = security;
        this.reportSecurity = reportSecurity;
    }

    /** This checker, also reporting each domain's transport security; null when it was given no lookup for it. */
    public Checker withSecurity() {
        return security == null ? null : new Checker(dns, smtp, security, true);
    }

    public CompletableFuture<CheckResult> check(String input) {
        return switch (parser.parse(input)) {
            case ParsedAddress.Invalid bad -> CompletableFuture.completedFuture(CheckResult.invalid(bad.input(), bad.detail()));
            case ParsedAddress.Valid ok -> alsoSecurity(ok.address().domain(), dns.resolve(ok.address().domain())
                    // A defect in a stage must not end a batch or pass for a verdict: it is an unknown.
                    .exceptionally(e -> new MailDomain(ok.address().domain(), Reason.DNS_FAILURE,
                            "The DNS stage failed unexpectedly: " + e, List.of(), null, false, 0))
                    .thenCompose(md -> {
                        // After DNS: a typo is suggested only for a domain that has no usable mail host.
                        Signals s = signals.of(ok.address(), md.reason());
                        return smtp == null || md.reason() != Reason.ACCEPTS_MAIL
                                ? CompletableFuture.completedFuture(CheckResult.of(ok.input(), ok.address(), md, s))
                                : smtp.probe(ok.address(), md).thenApply(o -> CheckResult.of(ok.input(), ok.address(), md, s, o));
                    }));
        };
    }

    /** The result with its domain's transport security, looked up beside the other stages, when asked for. */
    private CompletableFuture<CheckResult> alsoSecurity(String domain, CompletableFuture<CheckResult> result) {
        if (!reportSecurity) {
            return result;
        }
        return result.thenCombine(security.lookup(domain).exceptionally(e -> new TransportSecurity(Dnssec.UNKNOWN,
                null, null, null, "The security lookup failed unexpectedly: " + e)), CheckResult::withSecurity);
    }

    /** A record the input reader could not decode (say, a CSV row with a stray quote) still gets a result. */
    public CompletableFuture<CheckResult> unreadable(String input, String detail) {
        return CompletableFuture.completedFuture(CheckResult.invalid(input, detail));
    }
}
