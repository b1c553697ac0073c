package dev.mailcheck.codes;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** The languages the reply-code reference is written in. */
public enum Language {
    EN, AR;

    @JsonValue
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The language an HTTP {@code Accept-Language} header asks for (RFC 9110 §12.5.4: "ar-EG, en;q=0.5"
     * is Arabic), English when it names neither or cannot be parsed: a reference is better in the default
     * language than not at all.
     */
    public static Language fromAcceptLanguage(String header) {
        if (header == null || header.isBlank()) {
            return EN;
        }
        try {
            String tag = Locale.lookupTag(Locale.LanguageRange.parse(header),
                    Arrays.stream(values()).map(Language::tag).toList());
            return tag == null ? EN : valueOf(tag.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return EN;
        }
    }
}
