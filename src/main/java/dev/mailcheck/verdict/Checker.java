package dev.mailcheck.verdict;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxResolver;
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

    public Checker(MxResolver dns) {
        this(dns, null);
    }

    /** @param smtp the SMTP stage, or null to stop after DNS */
    public Checker(MxResolver dns, SmtpProber smtp) {
        this.dns = dns;
        this.smtp = smtp;
        this.signals = SignalCheck.bundled();
    }

    public CompletableFuture<CheckResult> check(String input) {
        return switch (parser.parse(input)) {
            case ParsedAddress.Invalid bad -> CompletableFuture.completedFuture(CheckResult.invalid(bad.input(), bad.detail()));
            case ParsedAddress.Valid ok -> dns.resolve(ok.address().domain())
                    // A defect in a stage must not end a batch or pass for a verdict: it is an unknown.
                    .exceptionally(e -> new MailDomain(ok.address().domain(), Reason.DNS_FAILURE,
                            "The DNS stage failed unexpectedly: " + e, List.of(), null, false, 0))
                    .thenCompose(md -> {
                        // After DNS: a mistyped top-level label is corrected only on a domain with no usable mail host.
                        Signals s = signals.of(ok.address(), md.reason());
                        return smtp == null || md.reason() != Reason.ACCEPTS_MAIL
                                ? CompletableFuture.completedFuture(CheckResult.of(ok.input(), ok.address(), md, s))
                                : smtp.probe(ok.address(), md).thenApply(o -> CheckResult.of(ok.input(), ok.address(), md, s, o));
                    });
        };
    }

    /** A record the input reader could not decode (say, a CSV row with a stray quote) still gets a result. */
    public CompletableFuture<CheckResult> unreadable(String input, String detail) {
        return CompletableFuture.completedFuture(CheckResult.invalid(input, detail));
    }
}
