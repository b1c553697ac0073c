package dev.mailcheck;

/**
 * An SMTP reply as a code (RFC 5321 §4.2) and an enhanced status code (RFC 3463), without text:
 * verdicts are decided on these two, never on what a server wrote after them.
 */
public record SmtpReply(int code, String enhanced) {
    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("SMTP reply code out of range: " + code);
        }
        if (enhanced != null && enhanced.charAt(0) - '0' != code / 100) {
            throw new IllegalArgumentException("enhanced status " + enhanced + " does not match class of " + code);
        }
    }

    @Override
    public String toString() {
        return enhanced == null ? Integer.toString(code) : code + " " + enhanced;
    }
}
