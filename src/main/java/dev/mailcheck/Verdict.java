package dev.mailcheck;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a sender should do with an address. */
public enum Verdict {
    /** A send is expected to be accepted. */
    DELIVERABLE,
    /** A send would be refused for good; drop the address. */
    UNDELIVERABLE,
    /** A send may be accepted but could bounce later or never be read. */
    RISKY,
    /** Nothing conclusive could be learnt now; keep the address and check again later. */
    UNKNOWN;

    /** Made once: a list's writer asks for it for every result. */
    private final String code = name().toLowerCase(Locale.ROOT);

    @JsonValue
    public String code() {
        return code;
    }
}
