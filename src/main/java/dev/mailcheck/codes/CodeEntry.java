package dev.mailcheck.codes;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One reply code explained in one language.
 *
 * @param replyClass  derived from the first digit
 * @param className   the class in {@code language}
 * @param comparisons texts that set this code against others (354 against 556)
 */
@JsonPropertyOrder({"code", "class", "class_name", "language", "meaning", "when", "fix", "comparisons"})
public record CodeEntry(int code, @JsonProperty("class") ReplyClass replyClass, String className, Language language,
                        String meaning, String when, String fix, List<Comparison> comparisons) {

    /** A text about several codes at once. */
    public record Comparison(List<Integer> codes, String text) {
    }
}
