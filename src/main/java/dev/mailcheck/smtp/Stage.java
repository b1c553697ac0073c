package dev.mailcheck.smtp;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How far an SMTP session got; {@link #DATA_354} is as far as a probe ever goes. */
public enum Stage {
    CONNECT, GREETING, EHLO, HELO, STARTTLS, MAIL, RCPT, DATA, DATA_354, RSET, QUIT;

    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
