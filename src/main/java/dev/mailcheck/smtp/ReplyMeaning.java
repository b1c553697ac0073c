package dev.mailcheck.smtp;

import dev.mailcheck.Reason;

/**
 * What a reply means for the mailbox, from its code and RFC 3463 enhanced status code alone: the
 * text after them is for people and differs between servers, so it is never read.
 */
final class ReplyMeaning {

    private ReplyMeaning() {
    }

    /** The answer to RCPT TO. */
    static Reason ofRcpt(Reply r) {
        if (r.positive()) {
            return r.code() == 250 || r.code() == 251 ? Reason.MAILBOX_ACCEPTED : Reason.UNVERIFIABLE;
        }
        if (r.transientNegative()) {
            return Reason.TEMPORARY_FAILURE;
        }
        Reason domainWide = domainWide(r);
        if (domainWide != null) {
            return domainWide;
        }
        if (r.code() == 552 || "2.2".equals(r.subjectDetail())) {
            return Reason.MAILBOX_FULL;
        }
        if ("6.7".equals(r.subjectDetail())) {
            return Reason.SMTPUTF8_UNSUPPORTED;
        }
        if (r.subject() == 1 || r.subject() == 2 || r.code() == 550 || r.code() == 551 || r.code() == 553) {
            return Reason.MAILBOX_REJECTED;
        }
        return r.code() >= 500 && r.code() <= 504 ? Reason.SMTP_PROTOCOL_ERROR : Reason.SMTP_BLOCKED;
    }

    /**
     * A refusal before or around the recipients: greeting, EHLO/HELO, MAIL FROM or DATA. It is about
     * the prober or the domain, never about one mailbox.
     */
    static Reason ofSession(Reply r) {
        Reason domainWide = domainWide(r);
        if (domainWide != null) {
            return domainWide;
        }
        if (r.stage() == Stage.GREETING || r.stage() == Stage.EHLO || r.stage() == Stage.HELO) {
            return Reason.SMTP_BLOCKED;
        }
        return r.transientNegative() ? Reason.TEMPORARY_FAILURE : Reason.SMTP_BLOCKED;
    }

    /** When a deferred answer is worth asking for again. */
    static int retryAfterSeconds(Reply r) {
        // 450/451 are what greylisting answers; its usual delay is five minutes.
        return r.code() == 450 || r.code() == 451 ? 300 : 900;
    }

    private static Reason domainWide(Reply r) {
        if (r.code() == 556 || r.code() == 521 || "1.10".equals(r.subjectDetail())) {
            return Reason.DOMAIN_REFUSES_MAIL;
        }
        return r.subject() == 7 && r.permanentNegative() ? Reason.SMTP_BLOCKED : null;
    }
}
