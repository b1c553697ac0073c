package dev.mailcheck.smtp;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * What the SMTP stage did for one address, as the result's {@code smtp} object.
 *
 * @param host       the MX host name the session was with (null when none was reached)
 * @param address    the IP address connected to
 * @param stage      how far the session got for this address
 * @param replies    every reply that bears on this address, in order
 * @param starttls   whether STARTTLS was offered and worked
 * @param smtputf8   the server advertised SMTPUTF8 (null when no EHLO answer was seen)
 * @param catchAll   what a made-up mailbox at the domain got
 * @param retryAfterSeconds for a deferral, when to try again
 * @param transcript the session as C:/S: lines, the part that bears on this address
 * @param providerGroup the provider group it is counted at (docs/smtp-probe.md): the group whose budget it waited
 *                   for, whose block kept it from being tried, or of the host that answered; null when none
 * @param notTriedByBreaker not tried: the block breaker kept the prober from its provider group
 * @param waitedForBudget it waited for a budget (new sessions per MX address, RCPTs per group) before its turn
 */
@JsonPropertyOrder({"host", "address", "stage", "replies", "starttls", "smtputf8", "catch_all", "retry_after_seconds",
        "transcript", "provider_group", "not_tried_by_breaker", "waited_for_budget"})
public record SmtpReport(String host, String address, Stage stage, List<Reply> replies, StartTls starttls,
                         Boolean smtputf8, CatchAll catchAll, Integer retryAfterSeconds, List<String> transcript,
                         String providerGroup, boolean notTriedByBreaker, boolean waitedForBudget) {

    /** A report of what a session did, its provider group not yet known and nothing held back. */
    public SmtpReport(String host, String address, Stage stage, List<Reply> replies, StartTls starttls,
                      Boolean smtputf8, CatchAll catchAll, Integer retryAfterSeconds, List<String> transcript) {
        this(host, address, stage, replies, starttls, smtputf8, catchAll, retryAfterSeconds, transcript, null, false,
                false);
    }

    /** This report counted at {@code group}, with what held the address back. */
    SmtpReport heldBack(String group, boolean notTriedByBreaker, boolean waitedForBudget) {
        return new SmtpReport(host, address, stage, replies, starttls, smtputf8, catchAll, retryAfterSeconds,
                transcript, group, notTriedByBreaker, waitedForBudget);
    }

    public enum StartTls {
        NOT_OFFERED, NOT_USED, ESTABLISHED, FAILED;

        @JsonValue
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Never a boolean: "didn't check" and "couldn't tell" are answers of their own. */
    public enum CatchAll {
        NOT_CHECKED, ACCEPTS_ALL, REJECTS_UNKNOWN, INCONCLUSIVE;

        @JsonValue
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
