package dev.mailcheck;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Every reason a verdict can have: the verdict it implies, what it means for the sender, and the
 * reply a real send would meet. Each stage of the pipeline (address, dns, later smtp) picks one.
 */
public enum Reason {
    ACCEPTS_MAIL(Verdict.DELIVERABLE,
            "The domain has a reachable mail host; the mailbox itself was not probed.",
            new SmtpReply(250, "2.1.5")),
    INVALID_SYNTAX(Verdict.UNDELIVERABLE,
            "The address is not valid RFC 5321/5322 syntax; no mail system will take it.",
            new SmtpReply(501, "5.1.3")),
    NULL_MX(Verdict.UNDELIVERABLE,
            "The domain publishes a null MX (RFC 7505): it declares that it accepts no mail.",
            new SmtpReply(556, "5.1.10")),
    NO_SUCH_DOMAIN(Verdict.UNDELIVERABLE,
            "The domain does not exist in DNS (NXDOMAIN).",
            new SmtpReply(550, "5.1.2")),
    NO_MAIL_HOST(Verdict.UNDELIVERABLE,
            "The domain exists but has neither MX records nor an A/AAAA record to fall back on.",
            new SmtpReply(550, "5.1.2")),
    MX_UNRESOLVABLE(Verdict.UNDELIVERABLE,
            "None of the domain's MX hosts has an IPv4 or IPv6 address, so mail cannot be routed.",
            new SmtpReply(550, "5.4.4")),
    DNS_FAILURE(Verdict.UNKNOWN,
            "DNS gave no usable answer (SERVFAIL, REFUSED or timeout); this is transient, check again later.",
            new SmtpReply(451, "4.4.3"));

    private final Verdict verdict;
    private final String meaning;
    private final SmtpReply predictedReply;

    Reason(Verdict verdict, String meaning, SmtpReply predictedReply) {
        this.verdict = verdict;
        this.meaning = meaning;
        this.predictedReply = predictedReply;
    }

    public Verdict verdict() {
        return verdict;
    }

    public String meaning() {
        return meaning;
    }

    public SmtpReply predictedReply() {
        return predictedReply;
    }

    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
