package dev.mailcheck.smtp;

import dev.mailcheck.Reason;
import dev.mailcheck.SmtpReply;

/**
 * The SMTP stage's answer for one address, as {@link Outcomes} builds it.
 *
 * @param reply the reply that decided it, which a real send would meet too; null when none was seen
 */
public record SmtpOutcome(Reason reason, String detail, SmtpReply reply, SmtpReport report) {

    /** The decisive reply, or the reason's usual one when the server gave none. */
    public SmtpReply predictedReply() {
        return reply != null ? reply : reason.predictedReply();
    }

    SmtpOutcome withReport(SmtpReport r) {
        return new SmtpOutcome(reason, detail, reply, r);
    }
}
