package dev.mailcheck.smtp;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.mailcheck.SmtpReply;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMTP reply (RFC 5321 §4.2), possibly multi-line: the code, the RFC 3463 enhanced status code
 * when the server gave one, and the text. Decisions are made on the first two only.
 */
public record Reply(Stage stage, int code, String enhanced, String text) {

    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?=\\s|$)");

    /** The enhanced status code at the start of the first line's text, if its class matches the reply code. */
    static String enhancedOf(int code, String firstLineText) {
        Matcher m = ENHANCED.matcher(firstLineText);
        return m.find() && m.group(1).charAt(0) - '0' == code / 100 ? m.group() : null;
    }

    @JsonIgnore
    public boolean positive() {
        return code / 100 == 2;
    }

    @JsonIgnore
    public boolean transientNegative() {
        return code / 100 == 4;
    }

    @JsonIgnore
    public boolean permanentNegative() {
        return code / 100 == 5;
    }

    /** The enhanced code's subject and detail ("1.1" of 5.1.1), or null. */
    @JsonIgnore
    public String subjectDetail() {
        return enhanced == null ? null : enhanced.substring(2);
    }

    /** The enhanced code's subject (the 7 of 5.7.1), or -1. */
    @JsonIgnore
    public int subject() {
        return enhanced == null ? -1 : Integer.parseInt(enhanced.substring(2, enhanced.indexOf('.', 2)));
    }

    public SmtpReply toSmtpReply() {
        return new SmtpReply(code, enhanced);
    }

    @Override
    public String toString() {
        return code + " " + text.replace("\n", " / ");
    }
}
