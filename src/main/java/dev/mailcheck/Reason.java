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
            new SmtpReply(451, "4.4.3")),
    MX_PRIVATE_ADDRESS(Verdict.UNDELIVERABLE,
            "Every MX host resolves to a loopback, private, link-local or reserved address: no Internet mail gets there.",
            new SmtpReply(550, "5.4.4")),

    // The SMTP stage (--smtp): what the domain's own mail server said about the mailbox.
    MAILBOX_ACCEPTED(Verdict.DELIVERABLE,
            "The mail server accepted the mailbox at RCPT TO and does not accept made-up ones.",
            new SmtpReply(250, "2.1.5")),
    ACCEPT_ALL(Verdict.RISKY,
            "The mail server accepts every address at this domain (catch-all), so its yes says nothing about this mailbox.",
            new SmtpReply(250, "2.1.5")),
    UNVERIFIABLE(Verdict.UNKNOWN,
            "The mail server would neither confirm nor deny the mailbox (252, or a 550/554 whose text says neither), or the address was not probed: it cannot be safely, the request's time ran out before its turn, or the work that held it was given up on (its detail says which).",
            new SmtpReply(252, "2.1.5")),
    MAILBOX_REJECTED(Verdict.UNDELIVERABLE,
            "The mail server refused the mailbox: it does not exist or takes no mail.",
            new SmtpReply(550, "5.1.1")),
    MAILBOX_FULL(Verdict.RISKY,
            "The mailbox exists but is over its quota; mail bounces until it is emptied.",
            new SmtpReply(552, "5.2.2")),
    SMTPUTF8_UNSUPPORTED(Verdict.UNDELIVERABLE,
            "The address has a non-ASCII local part and the domain's mail server does not offer SMTPUTF8.",
            new SmtpReply(553, "5.6.7")),
    DOMAIN_REFUSES_MAIL(Verdict.UNDELIVERABLE,
            "The domain's mail server says the domain accepts no mail at all (556, 5.1.10 or 521).",
            new SmtpReply(556, "5.1.10")),
    TEMPORARY_FAILURE(Verdict.UNKNOWN,
            "The mail server deferred the answer (4xx, often greylisting); check again after the suggested delay.",
            new SmtpReply(450, "4.2.0")),
    SMTP_BLOCKED(Verdict.UNKNOWN,
            "The mail server refused the prober itself (421/554 at greeting, 5.7.x policy); nothing was learnt about the mailbox.",
            new SmtpReply(421, "4.7.0")),
    SMTP_UNREACHABLE(Verdict.UNKNOWN,
            "No MX host of the domain answered on the SMTP port within the time allowed.",
            new SmtpReply(421, "4.4.1")),
    SMTP_PROTOCOL_ERROR(Verdict.UNKNOWN,
            "The SMTP session broke off (timeout, dropped connection or malformed reply) before an answer about the mailbox.",
            new SmtpReply(421, "4.4.2"));

    /** Made once: a list's writer asks for it for every result. */
    private final String code = name().toLowerCase(Locale.ROOT);
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
        return code;
    }

}
