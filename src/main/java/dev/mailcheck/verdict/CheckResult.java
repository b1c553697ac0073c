package dev.mailcheck.verdict;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Reason;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.Verdict;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.smtp.SmtpOutcome;
import dev.mailcheck.smtp.SmtpReport;
import java.util.List;

/**
 * The one result type: the verdict on one input, why, and which reply a real send would meet.
 *
 * @param address        the input exactly as given
 * @param normalized     local part @ ASCII domain; null when the syntax is invalid
 * @param domain         the ASCII (A-label) domain; null when the syntax is invalid
 * @param domainUnicode  the domain as a person reads it (differs from {@code domain} for IDNs)
 * @param smtputf8       a send needs the SMTPUTF8 extension (non-ASCII local part)
 * @param predictedReply the reply a real send is expected to meet
 * @param signals        role, disposable, free provider and typo suggestion, written as top-level fields
 * @param mx             the mail hosts found, in preference order
 * @param mxFallback     {@code A} or {@code AAAA} when mail goes to the domain's own address (no MX)
 * @param nullMxIgnored  a null MX was published beside real MX records and was ignored
 * @param smtp           what the SMTP probe did and heard; null when no probe was made
 * @param security       the domain's transport security (DNSSEC, DANE, MTA-STS, TLS-RPT); null when not asked for
 * @param tries          how many checks this answer took: more than 1 when a deferral was rechecked ({@link Recheck})
 */
@JsonPropertyOrder({"address", "normalized", "domain", "domain_unicode", "smtputf8", "verdict", "reason", "detail",
        "predicted_reply", "signals", "mx", "mx_fallback", "null_mx_ignored", "smtp", "security", "tries"})
public record CheckResult(String address, String normalized, String domain, String domainUnicode, boolean smtputf8,
                          Verdict verdict, Reason reason, String detail, SmtpReply predictedReply,
                          @JsonUnwrapped Signals signals, List<MxHost> mx, String mxFallback, boolean nullMxIgnored,
                          SmtpReport smtp, TransportSecurity security, int tries) {

    public static CheckResult invalid(String input, String detail) {
        return invalid(input, detail, Signals.NONE);
    }

    /** @param signals a suggestion of the address meant, at most */
    public static CheckResult invalid(String input, String detail, Signals signals) {
        Reason r = Reason.INVALID_SYNTAX;
        return new CheckResult(input, null, null, null, false, r.verdict(), r, detail, r.predictedReply(),
                signals, List.of(), null, false, null, null, 1);
    }

    public static CheckResult of(String input, EmailAddress address, MailDomain domain, Signals signals) {
        Reason r = domain.reason();
        return new CheckResult(input, address.normalized(), address.domain(), address.unicodeDomain(),
                address.smtpUtf8(), r.verdict(), r, domain.detail(), r.predictedReply(), signals, domain.mx(),
                domain.fallback(), domain.nullMxIgnored(), null, null, 1);
    }

    /** The SMTP stage's answer replaces the DNS stage's, which only said that mail can be routed. */
    public static CheckResult of(String input, EmailAddress address, MailDomain domain, Signals signals, SmtpOutcome smtp) {
        Reason r = smtp.reason();
        return new CheckResult(input, address.normalized(), address.domain(), address.unicodeDomain(),
                address.smtpUtf8(), r.verdict(), r, smtp.detail(), smtp.predictedReply(), signals, domain.mx(),
                domain.fallback(), domain.nullMxIgnored(), smtp.report(), null, 1);
    }

    /**
     * What the SMTP probe held back for this address, counted at its provider group (one address: 0 or 1 each), or
     * null when nothing held it back: how a job's tally counts it.
     */
    public HeldBack heldBack() {
        return smtp == null || !smtp.notTriedByBreaker() && !smtp.waitedForBudget() ? null
                : new HeldBack(smtp.providerGroup(), smtp.notTriedByBreaker() ? 1 : 0, smtp.waitedForBudget() ? 1 : 0);
    }

    public CheckResult withSecurity(TransportSecurity report) {
        return new CheckResult(address, normalized, domain, domainUnicode, smtputf8, verdict, reason, detail,
                predictedReply, signals, mx, mxFallback, nullMxIgnored, smtp, report, tries);
    }

    /** This answer, its detail adding a sentence (a later try's defect, say). */
    public CheckResult withDetailAdded(String sentence) {
        return new CheckResult(address, normalized, domain, domainUnicode, smtputf8, verdict, reason,
                detail == null ? sentence : detail + " " + sentence, predictedReply, signals, mx, mxFallback,
                nullMxIgnored, smtp, security, tries);
    }

    /** This answer as the one that the {@code tries}-th check gave. */
    public CheckResult withTries(int tries) {
        return new CheckResult(address, normalized, domain, domainUnicode, smtputf8, verdict, reason, detail,
                predictedReply, signals, mx, mxFallback, nullMxIgnored, smtp, security, tries);
    }
}
