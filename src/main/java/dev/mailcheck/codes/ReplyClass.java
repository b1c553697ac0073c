package dev.mailcheck.codes;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What the first digit of a reply code says about the command (RFC 5321 §4.2.1). */
public enum ReplyClass {
    /** 2yz: done. */
    POSITIVE_COMPLETION,
    /** 3yz: accepted so far; the server waits for more (354 after DATA). */
    POSITIVE_INTERMEDIATE,
    /** 4yz: not now; the same command may succeed later. */
    TRANSIENT_NEGATIVE,
    /** 5yz: refused; repeating the same command will not help. */
    PERMANENT_NEGATIVE;

    public static ReplyClass of(int code) {
        return switch (code / 100) {
            case 2 -> POSITIVE_COMPLETION;
            case 3 -> POSITIVE_INTERMEDIATE;
            case 4 -> TRANSIENT_NEGATIVE;
            case 5 -> PERMANENT_NEGATIVE;
            default -> throw new IllegalArgumentException("not an SMTP reply code: " + code);
        };
    }

    /** The first digit, which the resource files key their class names by. */
    int digit() {
        return ordinal() + 2;
    }

    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
