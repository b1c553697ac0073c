package dev.mailcheck.smtp;

import dev.mailcheck.Reason;
import dev.mailcheck.smtp.SmtpReport.CatchAll;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a reply means for the mailbox: from its code and RFC 3463 enhanced status code first. Only
 * where those two leave it open — 550, 551, 553 or 554 without an enhanced code (or with the undefined X.0.0) —
 * is the text read, through the small table of phrases below, and conservatively: a policy phrase
 * wins over a mailbox phrase, and a text that says neither is {@code unverifiable}, never
 * undeliverable.
 */
final class ReplyMeaning {

    /**
     * One phrase of the table and what it means. The phrases are those the largest providers and
     * filtering services publish or are seen to send; every one has a row with the real reply in
     * ReplyMeaningTest. Sources: Google's "Gmail SMTP errors and codes" (support.google.com/a/answer/3726730),
     * Yahoo's help page "Email sent to Yahoo Mail addresses is rejected" (help.yahoo.com SLN3444), GMX's
     * and web.de's postmaster pages (postmaster.gmx.com/en/error-messages: no enhanced codes, the
     * unknown recipient is "Requested action not taken: mailbox unavailable"), Mimecast's "SMTP Error
     * Codes" article (community.mimecast.com DOC-1369), Microsoft's Exchange Online NDR pages, Barracuda
     * Campus, and the per-provider lists at smtp.codes (Barracuda, iCloud, Zoho, Proofpoint, United
     * Internet). Reacher's check-if-email-exists (core/src/smtp/parser.rs) reads replies the same way;
     * this table is narrower on purpose.
     */
    private record Phrase(Pattern pattern, Reason meaning) {
        Phrase(String regex, Reason meaning) {
            this(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), meaning);
        }
    }

    /** In order: the first that matches decides, so policy comes before quota, quota before mailbox. */
    private static final List<Phrase> PHRASES = List.of(
            // The prober, its IP or its sender was refused: block lists, reputation, authentication.
            new Phrase("spamhaus|barracuda reputation|proofpoint reputation|ipcheck\\.proofpoint|block ?list"
                    + "|black ?list|\\bdnsbl|\\brbl\\b|reputation|banned|\\bblocked\\b|\\bspam\\b|\\bpolic(y|ies)\\b"
                    + "|access denied|not permitted|client host|your ip|sending ip|ip address|\\b(spf|dmarc)\\b"
                    + "|\\bsender\\b", Reason.SMTP_BLOCKED),
            // The mailbox exists and is full.
            new Phrase("over ?quota|quota exceeded|mailbox (is )?full|storage space", Reason.MAILBOX_FULL),
            // No such mailbox, or one that takes no mail.
            new Phrase("no such user|no mailbox here|(user|addressee) unknown|unknown user"
                    + "|(user|recipient|mailbox) not found|(user|account)\\b[^.;]{0,40}\\b(does not|doesn't) exist"
                    + "|(doesn't|does not) have an? (\\S+ )?account|mailbox unavailable|invalid (recipient|address)"
                    + "|unrouteable address|disabled or discontinued|user is inactive|account closed",
                    Reason.MAILBOX_REJECTED));

    /** Codes whose text is read when no enhanced code (or X.0.0) says more. */
    private static final Set<Integer> TEXT_DECIDES = Set.of(550, 551, 553, 554);
    /** RFC 3463's subject and detail for the sender's address: bad syntax (X.1.7), bad system (X.1.8). */
    private static final Set<String> SENDER_ADDRESS = Set.of("1.7", "1.8");
    /**
     * Exchange Online's X.7.133 to X.7.136: a group, mailbox, public folder or mail user that takes only some senders
     * (Microsoft's NDR pages).
     */
    private static final Set<String> RESTRICTED_RECIPIENT = Set.of("7.133", "7.134", "7.135", "7.136");

    /** Addresses in the text (often the very recipient) say nothing about the reply's meaning. */
    private static final Pattern ANGLED = Pattern.compile("<[^>]*>");

    private ReplyMeaning() {
    }

    /** The answer to RCPT TO. */
    static Reason ofRcpt(Reply r) {
        if (r.positive()) {
            return r.code() == 250 || r.code() == 251 ? Reason.MAILBOX_ACCEPTED : Reason.UNVERIFIABLE;
        }
        // A mailbox was asked about: X.1.10 here is Exchange's "RecipientNotFound", not a null MX.
        if (r.code() == 556 || r.code() == 521) {
            return Reason.DOMAIN_REFUSES_MAIL;
        }
        if (r.subject() == 7 && r.permanentNegative()) {
            return Reason.SMTP_BLOCKED;
        }
        if (overQuota(r)) {
            // Gmail answers a full mailbox with 452 4.2.2: it exists, and it may be emptied.
            return Reason.MAILBOX_FULL;
        }
        if (r.transientNegative()) {
            return Reason.TEMPORARY_FAILURE;
        }
        // 551 and 553 as well: qmail refuses a domain it does not serve, and its sender block list, with a bare 553
        // ("sorry, that domain isn't in my list of allowed rcpthosts"), and rblsmtpd names a block list so.
        if (TEXT_DECIDES.contains(r.code()) && (r.enhanced() == null || r.subject() == 0)) {
            return byText(r.text());
        }
        if ("6.7".equals(r.subjectDetail())) {
            return Reason.SMTPUTF8_UNSUPPORTED;
        }
        // X.1.7 and X.1.8 are the sender's address (RFC 3463 §3.2), refused at RCPT where the checks are delayed
        // (Postfix's default): about the prober's MAIL FROM, not this mailbox.
        if (detailIn(SENDER_ADDRESS, r)) {
            return Reason.SMTP_BLOCKED;
        }
        if (r.subject() == 1 || r.subject() == 2 || r.code() == 550 || r.code() == 551 || r.code() == 553) {
            return Reason.MAILBOX_REJECTED;
        }
        return r.code() >= 500 && r.code() <= 504 ? Reason.SMTP_PROTOCOL_ERROR : Reason.SMTP_BLOCKED;
    }

    /** The answer to RCPT for a mailbox nobody has: what it says about the domain's other answers. */
    static CatchAll ofMadeUpMailbox(Reply r) {
        return switch (ofRcpt(r)) {
            case MAILBOX_ACCEPTED -> CatchAll.ACCEPTS_ALL;
            case MAILBOX_REJECTED -> CatchAll.REJECTS_UNKNOWN;
            default -> CatchAll.INCONCLUSIVE;
        };
    }

    /**
     * A refusal before or around the recipients: greeting, EHLO/HELO, MAIL FROM or DATA. It is about
     * the prober or the domain, never about one mailbox.
     */
    static Reason ofSession(Reply r) {
        // Before any mailbox was asked, X.1.10 is the domain saying it takes no mail (RFC 7505).
        boolean beforeRcpt = r.stage().compareTo(Stage.RCPT) < 0;
        if (r.code() == 556 || r.code() == 521 || beforeRcpt && "1.10".equals(r.subjectDetail())) {
            return Reason.DOMAIN_REFUSES_MAIL;
        }
        if (r.subject() == 7 && r.permanentNegative()) {
            return Reason.SMTP_BLOCKED;
        }
        if (r.stage() == Stage.GREETING || r.stage() == Stage.EHLO || r.stage() == Stage.HELO) {
            return Reason.SMTP_BLOCKED;
        }
        return r.transientNegative() ? Reason.TEMPORARY_FAILURE : Reason.SMTP_BLOCKED;
    }

    /**
     * Whether a RCPT reply, after a recipient of the same transaction was accepted, says "too many recipients"
     * (RFC 5321 §4.5.3.1.10: 452, or X.5.3): then it is about the count, not this address, which is asked
     * again in the next transaction. 452 4.2.2 is one mailbox over quota (Gmail), an answer about that address.
     */
    static boolean tooManyRecipients(Reply r) {
        return r.code() == 452 && !"2.2".equals(r.subjectDetail()) || "5.3".equals(r.subjectDetail())
                || oldTooManyRecipients(r);
    }

    /**
     * RFC 821's 552 for too many recipients, which RFC 5321 §4.5.3.1.10 tells clients to take as 452: without an
     * enhanced code it used to read as a full mailbox (found by a review).
     */
    private static boolean oldTooManyRecipients(Reply r) {
        return r.code() == 552 && r.enhanced() == null && TOO_MANY_RECIPIENTS.matcher(r.text()).find();
    }

    private static final Pattern TOO_MANY_RECIPIENTS = Pattern.compile("too many recipients", Pattern.CASE_INSENSITIVE);

    /**
     * Whether the refusal of a session ({@code null} when the session failed without a reply) answers for the
     * whole domain: a permanent refusal of the greeting or HELO is the domain's answer, and its other MX hosts
     * would say the same, so they are not tried; a deferral or a broken connection is about this host alone.
     */
    static boolean endsTheDomain(Reply sessionRefusal) {
        return sessionRefusal != null && !sessionRefusal.transientNegative();
    }

    /** How strongly a refusal says the prober itself (its IP) is unwelcome: what the block breaker counts. */
    enum Block { NONE, VAGUE, CLEAR }

    /**
     * Text that names the prober's IP or its standing: a block list, a reputation service, the client
     * host, or a deferral for the sender's volume or complaints. Such a reply is about every address
     * this IP asks, at every domain the host serves.
     */
    private static final Pattern NAMES_THE_IP = Pattern.compile("spamhaus|reputation|ipcheck\\.proofpoint|block ?list"
            + "|black ?list|\\bdnsbl|\\brbl\\b|banned|your ip|sending ip|ip address|client host|\\bfrom \\[?\\d{1,3}(\\.\\d{1,3}){3}"
            + "|\\d{1,3}(\\.\\d{1,3}){3}\\]? (is |has been )?(found|listed|blocked|in )|unsolicited|volume|complaints"
            + "|too many (connections|messages|recipients from)|rate limit", Pattern.CASE_INSENSITIVE);
    /**
     * Text about one sender domain's authentication (SPF, DMARC, DKIM), or a host that does not relay for the
     * recipient's domain: about one domain, not the IP's standing.
     */
    private static final Pattern SENDER_POLICY = Pattern.compile("\\b(spf|dmarc|dkim)\\b|relay(ing)? (access )?denied"
            + "|not permitted to relay|relay not permitted", Pattern.CASE_INSENSITIVE);
    private static final Pattern SENDER = Pattern.compile("\\bsender\\b", Pattern.CASE_INSENSITIVE);
    /**
     * A refusal about one recipient's own rules, by its text: Postfix's per-recipient access ("Recipient address
     * rejected: Access denied", postconf(5) check_recipient_access) and Exchange Online's RESOLVER.RST.* ("the group
     * only accepts messages from authenticated senders"; by code, {@link #RESTRICTED_RECIPIENT}). Another address of
     * the same host may well be asked.
     */
    private static final Pattern RECIPIENT_POLICY = Pattern.compile("recipient address rejected|RESOLVER\\.RST\\.",
            Pattern.CASE_INSENSITIVE);

    /**
     * Whether a refusal should count towards blocking the host (and its provider group) for every
     * address: CLEAR when it names the IP, a block list or reputation, or defers for volume or complaints
     * (421/4.7.x); VAGUE when it refuses the session or the prober by policy without saying why (one
     * such reply may be about one domain's own rules, so the breaker waits for a second); NONE for
     * replies about one mailbox, one sender domain's SPF/DMARC, or anything that is not a refusal.
     */
    static Block blockOf(Reply r) {
        if (r.positive() || r.code() == 354) {
            return Block.NONE;
        }
        String text = ANGLED.matcher(r.text()).replaceAll(" ");
        if (SENDER_POLICY.matcher(text).find()) {
            return Block.NONE;
        }
        boolean namesIp = NAMES_THE_IP.matcher(text).find();
        if (r.transientNegative()) {
            // A deferral is a block only when it is about the sender's IP: 4.7.x "deferred due to volume", or a
            // greeting that turns the IP away for now ("421 Too many concurrent SMTP connections from this IP").
            return (r.subject() == 7 || r.stage() == Stage.GREETING) && namesIp ? Block.CLEAR : Block.NONE;
        }
        boolean rcpt = r.stage() == Stage.RCPT || r.stage() == Stage.DATA;
        if ((rcpt ? ofRcpt(r) : ofSession(r)) != Reason.SMTP_BLOCKED) {
            return Block.NONE;
        }
        if (namesIp) {
            return Block.CLEAR;
        }
        // The sender address refused (at MAIL FROM, or at RCPT where the checks are delayed), not the IP: another
        // domain may take it. Likewise a recipient's own rules.
        boolean aboutTheSender = detailIn(SENDER_ADDRESS, r)
                || (r.stage() == Stage.MAIL || r.stage() == Stage.RCPT) && SENDER.matcher(text).find();
        boolean aboutTheRecipient = rcpt && (RECIPIENT_POLICY.matcher(text).find() || detailIn(RESTRICTED_RECIPIENT, r));
        return aboutTheSender || aboutTheRecipient ? Block.NONE : Block.VAGUE;
    }

    /** Whether the reply's enhanced code's subject and detail are among {@code details}. */
    private static boolean detailIn(Set<String> details, Reply r) {
        return r.enhanced() != null && details.contains(r.subjectDetail());
    }

    /** Whether a result for this reason carries {@code retry_after_seconds}: a deferral, or a full mailbox. */
    static boolean worthRetrying(Reason reason) {
        return reason == Reason.TEMPORARY_FAILURE || reason == Reason.MAILBOX_FULL;
    }

    /** When a deferred answer, or a full mailbox, is worth asking about again. */
    static int retryAfterSeconds(Reply r) {
        if (overQuota(r)) {
            return 3600; // its owner has to empty it: hours, not the minutes of greylisting
        }
        // 450/451 are what greylisting answers; its usual delay is five minutes.
        return r.code() == 450 || r.code() == 451 ? 300 : 900;
    }

    private static boolean overQuota(Reply r) {
        return "2.2".equals(r.subjectDetail()) || r.code() == 552 && r.enhanced() == null && !oldTooManyRecipients(r);
    }

    private static Reason byText(String text) {
        String plain = ANGLED.matcher(text).replaceAll(" ");
        for (Phrase p : PHRASES) {
            if (p.pattern().matcher(plain).find()) {
                return p.meaning();
            }
        }
        return Reason.UNVERIFIABLE;
    }
}
