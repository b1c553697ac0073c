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
import dev.mailcheck.smtp.Outcomes;
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
        return builder(input).reason(Reason.INVALID_SYNTAX).detail(detail).signals(signals).build();
    }

    /**
     * An input that got no check at all ({@code why}: e.g. its chunk of a job failed on every delivery): an
     * {@code unverifiable} built from the raw input alone, neither parsed nor looked up, since that may be what failed.
     */
    public static CheckResult notChecked(String input, String why) {
        return builder(input).reason(Reason.UNVERIFIABLE).detail("Not checked: " + why
                + "; nothing was learnt about the address. Check it again.").build();
    }

    /**
     * What {@code builder(input).parsed(address).routing(domain).reason(domain.reason()).detail(domain.detail())
     * .signals(signals).build()} makes, without the builder: this is the result of nearly every address of a list,
     * and the builder was one object more per address to allocate and copy (CheckResultTest holds the two together).
     */
    public static CheckResult of(String input, EmailAddress address, MailDomain domain, Signals signals) {
        Reason reason = domain.reason();
        return new CheckResult(input, Builder.normalized(input, address), address.domain(), address.unicodeDomain(),
                address.smtpUtf8(), reason.verdict(), reason, domain.detail(), reason.predictedReply(), signals,
                domain.mx(), domain.fallback(), domain.nullMxIgnored(), null, null, 1);
    }

    /** The SMTP stage's answer replaces the DNS stage's, which only said that mail can be routed. */
    public static CheckResult of(String input, EmailAddress address, MailDomain domain, Signals signals, SmtpOutcome smtp) {
        return of(input, address, domain, signals).withSmtp(smtp);
    }

    /**
     * This DNS-stage answer (mail can be routed) with its SMTP stage given up on before it answered ({@code why}):
     * an {@code unverifiable} that says it was not tried, the MX hosts and signals kept.
     */
    public CheckResult smtpGivenUp(String why) {
        return withSmtp(Outcomes.givenUp(why));
    }

    /** The SMTP stage's answer replaces the DNS stage's, which only said that mail can be routed. */
    private CheckResult withSmtp(SmtpOutcome smtp) {
        return toBuilder().reason(smtp.reason()).detail(smtp.detail()).predictedReply(smtp.predictedReply())
                .smtp(smtp.report()).build();
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
        return toBuilder().security(report).build();
    }

    /** This answer, its detail adding a sentence (a later try's defect, say). */
    public CheckResult withDetailAdded(String sentence) {
        return toBuilder().detail(detail == null ? sentence : detail + " " + sentence).build();
    }

    /** This answer as the one that the {@code tries}-th check gave. */
    public CheckResult withTries(int tries) {
        return toBuilder().tries(tries).build();
    }

    /** A result for {@code input}: no parts but the input set, no signals, no MX hosts, one try. */
    public static Builder builder(String input) {
        return new Builder(input);
    }

    public Builder toBuilder() {
        Builder b = new Builder(address);
        b.normalized = normalized;
        b.domain = domain;
        b.domainUnicode = domainUnicode;
        b.smtputf8 = smtputf8;
        b.verdict = verdict;
        b.reason = reason;
        b.detail = detail;
        b.predictedReply = predictedReply;
        b.signals = signals;
        b.mx = mx;
        b.mxFallback = mxFallback;
        b.nullMxIgnored = nullMxIgnored;
        b.smtp = smtp;
        b.security = security;
        b.tries = tries;
        return b;
    }

    /** Builds a result by naming its parts, so that no caller passes sixteen values in order. */
    public static final class Builder {
        private final String address;
        private String normalized;
        private String domain;
        private String domainUnicode;
        private boolean smtputf8;
        private Verdict verdict;
        private Reason reason;
        private String detail;
        private SmtpReply predictedReply;
        private Signals signals = Signals.NONE;
        private List<MxHost> mx = List.of();
        private String mxFallback;
        private boolean nullMxIgnored;
        private SmtpReport smtp;
        private TransportSecurity security;
        private int tries = 1;

        private Builder(String address) {
            this.address = address;
        }

        /** The normalized address, its domain both ways, and whether a send needs SMTPUTF8. */
        public Builder parsed(EmailAddress parsed) {
            return normalized(normalized(address, parsed)).domain(parsed.domain())
                    .domainUnicode(parsed.unicodeDomain()).smtputf8(parsed.smtpUtf8());
        }

        /** The input itself when it is its normalized form already (most are), else that form put together. */
        static String normalized(String input, EmailAddress parsed) {
            return isNormalized(input, parsed) ? input : parsed.normalized();
        }

        /** Most inputs are their normalized form already: the input is kept, not a copy of it put together from its parts. */
        private static boolean isNormalized(String input, EmailAddress parsed) {
            String local = parsed.localPart();
            String domain = parsed.domain();
            return input.length() == local.length() + 1 + domain.length() && input.charAt(local.length()) == '@'
                    && input.startsWith(local) && input.endsWith(domain);
        }

        /** The MX hosts, the A/AAAA fallback and whether a null MX was ignored, as DNS found them. */
        public Builder routing(MailDomain routing) {
            return mx(routing.mx()).mxFallback(routing.fallback()).nullMxIgnored(routing.nullMxIgnored());
        }

        /** The reason, with its verdict and the reply it predicts (which {@link #predictedReply} may refine). */
        public Builder reason(Reason reason) {
            this.reason = reason;
            this.verdict = reason.verdict();
            this.predictedReply = reason.predictedReply();
            return this;
        }

        public Builder normalized(String normalized) {
            this.normalized = normalized;
            return this;
        }

        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        public Builder domainUnicode(String domainUnicode) {
            this.domainUnicode = domainUnicode;
            return this;
        }

        public Builder smtputf8(boolean smtputf8) {
            this.smtputf8 = smtputf8;
            return this;
        }

        public Builder detail(String detail) {
            this.detail = detail;
            return this;
        }

        public Builder predictedReply(SmtpReply predictedReply) {
            this.predictedReply = predictedReply;
            return this;
        }

        public Builder signals(Signals signals) {
            this.signals = signals;
            return this;
        }

        public Builder mx(List<MxHost> mx) {
            this.mx = mx;
            return this;
        }

        public Builder mxFallback(String mxFallback) {
            this.mxFallback = mxFallback;
            return this;
        }

        public Builder nullMxIgnored(boolean nullMxIgnored) {
            this.nullMxIgnored = nullMxIgnored;
            return this;
        }

        public Builder smtp(SmtpReport smtp) {
            this.smtp = smtp;
            return this;
        }

        public Builder security(TransportSecurity security) {
            this.security = security;
            return this;
        }

        public Builder tries(int tries) {
            this.tries = tries;
            return this;
        }

        public CheckResult build() {
            return new CheckResult(address, normalized, domain, domainUnicode, smtputf8, verdict, reason, detail,
                    predictedReply, signals, mx, mxFallback, nullMxIgnored, smtp, security, tries);
        }
    }
}
