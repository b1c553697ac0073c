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
 */
@JsonPropertyOrder({"host", "address", "stage", "replies", "starttls", "smtputf8", "catch_all", "retry_after_seconds",
        "transcript"})
public record SmtpReport(String host, String address, Stage stage, List<Reply> replies, StartTls starttls,
                         Boolean smtputf8, CatchAll catchAll, Integer retryAfterSeconds, List<String> transcript) {

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
