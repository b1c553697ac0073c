package dev.mailcheck.smtp;

import dev.mailcheck.Defects;
import dev.mailcheck.Reason;
import dev.mailcheck.smtp.SmtpReport.CatchAll;
import dev.mailcheck.smtp.SmtpReport.StartTls;
import java.util.List;

/**
 * The one home of which {@link SmtpOutcome} a situation gives: a factory named for each, from a reply
 * heard (its reason read by {@link ReplyMeaning}, the one home of what a reply means) to an address not
 * probed at all. Each adds the sentence, the report and the transcript; nothing else in the SMTP stage,
 * nor the pipeline around it, picks a {@link Reason}.
 */
public final class Outcomes {

    private Outcomes() {
    }

    /** An outcome from a session: {@code heard} is everything that bears on the address, prelude first. */
    private static SmtpOutcome of(SmtpSession s, Reason reason, String detail, Reply decisive, Stage stage, Log heard,
                          CatchAll catchAll) {
        Integer retry = ReplyMeaning.worthRetrying(reason) && decisive != null
                ? ReplyMeaning.retryAfterSeconds(decisive) : null;
        SmtpReport report = new SmtpReport(s.host(), s.address().getHostAddress(), stage,
                List.copyOf(heard.replies()), s.starttls(), s.smtputf8(), catchAll, retry, List.copyOf(heard.lines()));
        return new SmtpOutcome(reason, detail, decisive == null ? null : decisive.toSmtpReply(), report);
    }

    /**
     * The answer to RCPT, with what DATA said when the probe went on to it ({@code data} null otherwise)
     * and what the catch-all test found.
     */
    static SmtpOutcome ofRcpt(SmtpSession s, Reply rcpt, Reply data, Stage reached, CatchAll catchAll, Log heard) {
        Reason reason = ReplyMeaning.ofRcpt(rcpt);
        Reply decisive = rcpt;
        Stage stage = Stage.RCPT;
        if (reason == Reason.MAILBOX_ACCEPTED && data != null) {
            stage = reached;
            if (!data.positive() && data.code() != 354) {
                reason = ReplyMeaning.ofSession(data);
                decisive = data;
            }
        }
        if (reason == Reason.MAILBOX_ACCEPTED && catchAll == CatchAll.ACCEPTS_ALL) {
            reason = Reason.ACCEPT_ALL;
        }
        return of(s, reason, explain(reason, s.host(), decisive, catchAll), decisive, stage, heard, catchAll);
    }

    /** The server refused the sender at MAIL FROM: about the prober or the domain, not this mailbox. */
    static SmtpOutcome senderRefused(SmtpSession s, Reply mail, Log heard) {
        return of(s, ReplyMeaning.ofSession(mail), s.host() + " refused the sender at MAIL FROM: " + mail, mail,
                Stage.MAIL, heard, CatchAll.NOT_CHECKED);
    }

    /** The local part is not ASCII and the server does not offer SMTPUTF8 (RFC 6531): it was not asked. */
    static SmtpOutcome smtputf8Unsupported(SmtpSession s) {
        return of(s, Reason.SMTPUTF8_UNSUPPORTED, s.host() + " does not offer SMTPUTF8, which the non-ASCII local"
                + " part needs.", null, Stage.EHLO, s.prelude(), CatchAll.NOT_CHECKED);
    }

    /** The server closed the session with 421 before this address was asked: it said "later", not "no". */
    static SmtpOutcome closedBefore(SmtpSession s, Reply closing, CatchAll catchAll, Log heard) {
        return of(s, Reason.TEMPORARY_FAILURE, s.host() + " closed the session (" + closing
                + ") before this address was asked; try again in " + ReplyMeaning.retryAfterSeconds(closing) / 60
                + " minutes.", closing, closing.stage(), heard, catchAll);
    }

    /** Timeout, dropped connection or garbage mid-transaction. */
    static SmtpOutcome brokeOff(SmtpSession s, SessionFailure e, CatchAll catchAll, Log heard) {
        return of(s, Reason.SMTP_PROTOCOL_ERROR, "The session with " + s.host() + " broke off at " + e.stage.code()
                + ": " + describe(e.getCause() != null ? e.getCause() : e), null, e.stage, heard, catchAll);
    }

    /** Every MX address failed before a session was usable; {@code last} is the last one tried. */
    static SmtpOutcome noSession(String domain, Plan.Target last, SessionFailure failure) {
        SmtpReport report = new SmtpReport(last.host(), last.address().getHostAddress(), failure.stage,
                List.copyOf(failure.replies), StartTls.NOT_OFFERED, null, CatchAll.NOT_CHECKED, null,
                List.copyOf(failure.transcript));
        if (failure.reply != null) {
            return new SmtpOutcome(ReplyMeaning.ofSession(failure.reply), last.host() + " refused the session at "
                    + failure.stage.code() + ": " + failure.reply, failure.reply.toSmtpReply(), report);
        }
        return new SmtpOutcome(failure.unreachable() ? Reason.SMTP_UNREACHABLE : Reason.SMTP_PROTOCOL_ERROR,
                "No MX host of " + domain + " could be used; the last, " + last.host() + " ("
                        + last.address().getHostAddress() + "), failed at " + failure.stage.code() + ": "
                        + describe(failure.getCause()), null, report);
    }

    /**
     * Every MX address of the domain is known dead already; {@code brokeProtocol} is what one of them did
     * when it answered but broke the protocol (a reply too long, a reset mid-reply), null when they only
     * timed out or refused connections.
     */
    static SmtpOutcome everyHostDead(String domain, String brokeProtocol) {
        if (brokeProtocol != null) {
            return withoutSession(Reason.SMTP_PROTOCOL_ERROR, "Every MX host of " + domain + " failed earlier in this"
                    + " run; the host broke the protocol earlier in this run: " + brokeProtocol + "; not tried again.",
                    Stage.CONNECT);
        }
        return withoutSession(Reason.SMTP_UNREACHABLE, "Every MX host of " + domain + " failed earlier in this run"
                + " (timeout or refused connection); not tried again.", Stage.CONNECT);
    }

    /**
     * Not tried: the block breaker keeps the prober away from the provider group whose host refused it
     * ({@code b}); no connection was made for this address. The refusal's reply is what a send would meet.
     */
    static SmtpOutcome notTried(Block b) {
        return new SmtpOutcome(Reason.SMTP_BLOCKED, "Not tried: " + b.host() + " (" + b.address() + ") refused this"
                + " prober at " + b.at() + " (" + b.text() + "), so no MX host of provider group " + b.group()
                + " is contacted until " + b.until() + "; check again after that.", b.reply(),
                new SmtpReport(b.host(), b.address(), null, List.of(), StartTls.NOT_OFFERED, null, CatchAll.NOT_CHECKED,
                        null, List.of(), b.group(), true, false));
    }

    /** No answer came before the whole check's deadline ({@code deadline} as the user reads it). */
    public static SmtpOutcome noAnswerBefore(String deadline) {
        return withoutSession(Reason.SMTP_UNREACHABLE, "No answer from the SMTP stage within the check's deadline of "
                + deadline + " (a slow mail host, or a long wait for a free connection); check again later.", null);
    }

    /**
     * The check's deadline passed while the address waited its turn (behind other addresses of its host, or
     * for a free connection): nothing was asked, and nothing is known about the host either.
     */
    static SmtpOutcome notTried(String deadline) {
        return withoutSession(Reason.UNVERIFIABLE, "Not tried: the request's time ran out (the check's deadline of "
                + deadline + ") before this address's turn; nothing was learnt about the mailbox or its host."
                + " Check again later.", null);
    }

    /**
     * Not tried: the work that held this address was given up on before it was answered ({@code why}: e.g. a job's
     * SMTP work item failed on every delivery); nothing was learnt about the mailbox.
     */
    public static SmtpOutcome givenUp(String why) {
        return withoutSession(Reason.UNVERIFIABLE, "Not tried: " + why + "; nothing was learnt about the mailbox."
                + " Check it again.", null);
    }

    /**
     * A defect (a bug, a resource running out) ended the worker that held this address, or the stage itself:
     * logged with its stack by {@link Defects}, and the detail names the log line.
     */
    public static SmtpOutcome failedUnexpectedly(Throwable e) {
        return withoutSession(Reason.SMTP_PROTOCOL_ERROR, "The SMTP stage failed unexpectedly"
                + (e == null ? "" : " (" + Defects.mention(Defects.log("in the SMTP stage", e)) + ")")
                + "; nothing was learnt about the mailbox.", null);
    }

    /** Not probed: a local part with < or > can't be put in an SMTP command safely. */
    static SmtpOutcome unsafeLocalPart() {
        return withoutSession(Reason.UNVERIFIABLE,
                "The local part contains < or >, which the prober never puts in an SMTP command.", null);
    }

    /** Not probed: no MX host has an address the prober may connect to; {@code refused} says why. */
    static SmtpOutcome noPublicHost(String refused) {
        return withoutSession(Reason.MX_PRIVATE_ADDRESS, refused, null);
    }

    private static SmtpOutcome withoutSession(Reason reason, String detail, Stage stage) {
        return new SmtpOutcome(reason, detail, null, new SmtpReport(null, null, stage, List.of(),
                StartTls.NOT_OFFERED, null, CatchAll.NOT_CHECKED, null, List.of()));
    }

    private static String explain(Reason reason, String host, Reply r, CatchAll catchAll) {
        return switch (reason) {
            case MAILBOX_ACCEPTED -> host + " accepted the mailbox (" + r.code() + (r.enhanced() == null ? "" : " "
                    + r.enhanced()) + ")" + (catchAll == CatchAll.REJECTS_UNKNOWN
                    ? " and refuses made-up ones." : "; whether it accepts any address could not be told.");
            case ACCEPT_ALL -> host + " accepted the mailbox, but it accepts made-up mailboxes too (catch-all).";
            case TEMPORARY_FAILURE -> host + " deferred the answer (" + r + "); try again in "
                    + ReplyMeaning.retryAfterSeconds(r) / 60 + " minutes.";
            case MAILBOX_FULL -> host + " says the mailbox is over its quota (" + r + "); check again in "
                    + ReplyMeaning.retryAfterSeconds(r) / 60 + " minutes.";
            default -> host + " answered " + r.stage().code() + " with " + r;
        };
    }

    static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        return (e instanceof java.net.SocketTimeoutException ? "timed out" : e.getClass().getSimpleName())
                + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }
}
