package dev.mailcheck.codes;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What the first digit of a reply code says about the command (RFC 5321 §4.2.1). */
public enum ReplyClass {
    /** 2yz: done. */
    POSITIVE_COMPLETION(2),
    /** 3yz: accepted so far; the server waits for more (354 after DATA). */
    POSITIVE_INTERMEDIATE(3),
    /** 4yz: not now; the same command may succeed later. */
    TRANSIENT_NEGATIVE(4),
    /** 5yz: refused; repeating the same command will not help. */
    PERMANENT_NEGATIVE(5);

    /** The first digit, which the resource files key their class names by. */
    final int digit;

    ReplyClass(int digit) {
        this.digit = digit;
    }

    public static ReplyClass of(int code) {
        for (ReplyClass c : values()) {
            if (c.digit == code / 100) {
                return c;
            }
        }
        throw new IllegalArgumentException("not an SMTP reply code: " + code);
    }

    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
