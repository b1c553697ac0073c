package dev.mailcheck.codes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReplyCodesTest {

    private static final ReplyCodes CODES = ReplyCodes.bundled();
    private static final Pattern ARABIC = Pattern.compile("\\p{IsArabic}+");
    private static final Pattern LATIN = Pattern.compile("\\p{IsLatin}+");

    /** Every verdict's predicted reply is explained, in every language. */
    @ParameterizedTest
    @EnumSource(Reason.class)
    void everyPredictedReplyIsExplained(Reason reason) {
        int code = reason.predictedReply().code();
        for (Language language : Language.values()) {
            CodeEntry e = CODES.entry(code, language).orElseThrow(() -> new AssertionError(
                    reason + " predicts " + code + ", which " + language + ".json does not explain"));
            assertEquals(language, e.language());
            assertEquals(ReplyClass.of(code), e.replyClass());
        }
    }

    /** What a probe can meet, from the greeting to QUIT, and what RFC 7504 added. */
    @ParameterizedTest
    @ValueSource(ints = {220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 454, 455, 500, 501, 502, 503, 504, 521, 530,
            550, 551, 552, 553, 554, 555, 556})
    void observableCodesAreExplainedInEnglishAndArabic(int code) {
        CodeEntry en = CODES.entry(code, Language.EN).orElseThrow();
        CodeEntry ar = CODES.entry(code, Language.AR).orElseThrow();
        for (String text : List.of(en.meaning(), en.when(), en.fix(), en.className())) {
            assertEquals(0, words(text, ARABIC), "Arabic in the English text of " + code + ": " + text);
        }
        for (String text : List.of(ar.meaning(), ar.when(), ar.fix(), ar.className())) {
            // Command names, extensions and RFC numbers stay Latin; the prose around them must be Arabic.
            assertTrue(words(text, ARABIC) > words(text, LATIN), "not Arabic prose for " + code + ": " + text);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            220 | POSITIVE_COMPLETION
            252 | POSITIVE_COMPLETION
            354 | POSITIVE_INTERMEDIATE
            421 | TRANSIENT_NEGATIVE
            451 | TRANSIENT_NEGATIVE
            550 | PERMANENT_NEGATIVE
            556 | PERMANENT_NEGATIVE
            """)
    void theClassComesFromTheFirstDigit(int code, ReplyClass replyClass) {
        assertEquals(replyClass, ReplyClass.of(code));
        assertEquals(replyClass, CODES.entry(code, Language.AR).orElseThrow().replyClass());
    }

    @ParameterizedTest
    @EnumSource(Language.class)
    void codes354And556AreComparedFromBothSides(Language language) {
        CodeEntry.Comparison c354 = CODES.entry(354, language).orElseThrow().comparisons().getFirst();
        CodeEntry.Comparison c556 = CODES.entry(556, language).orElseThrow().comparisons().getFirst();
        assertEquals(c354, c556);
        assertEquals(List.of(354, 556), c354.codes());
        assertTrue(c354.text().contains("354") && c354.text().contains("556"));
        assertTrue(CODES.entry(250, language).orElseThrow().comparisons().isEmpty());
    }

    /**
     * Texts that once read wrongly: 451's advice is for the case this checker predicts it (the recipient
     * domain's DNS failing), not the sender's SPF or PTR; the Arabic 552 states a fact rather than blaming the
     * reader ("you exceeded"); 556's Arabic verb for a server's reply.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # code | language | field   | says                            | does not say
            451    | EN       | fix     | recipient domain                | PTR
            451    | EN       | when    | recipient domain's DNS          | your domain
            451    | AR       | fix     | لنطاق المستلم                   | PTR
            451    | AR       | when    | نطاقِ المستلم                   | نطاقك
            552    | AR       | meaning | تم تجاوز مساحة التخزين المخصصة  | تجاوزت
            556    | AR       | when    | يردّ به الخادم                  | يقوله
            """)
    void textsSayWhatTheCaseMeans(int code, Language language, String field, String says, String doesNotSay) {
        CodeEntry e = CODES.entry(code, language).orElseThrow();
        String text = switch (field) {
            case "meaning" -> e.meaning();
            case "when" -> e.when();
            default -> e.fix();
        };
        assertTrue(text.contains(says), text);
        assertFalse(text.contains(doesNotSay), text);
    }

    /** The codes a written result links to (read without the texts) are the ones the texts explain, and no more. */
    @Test
    void theLinkedCodesAreTheExplainedOnes() {
        for (int code = 200; code <= 599; code++) {
            assertEquals(CODES.has(code), ReplyCodes.explains(code), "code " + code);
        }
        assertTrue(ReplyCodes.explains(550));
        assertFalse(ReplyCodes.explains(299));
    }

    @Test
    void unknownCodesHaveNoEntry() {
        assertFalse(CODES.has(299));
        assertTrue(CODES.entry(299, Language.EN).isEmpty());
    }

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            -                          | EN
            ''                         | EN
            ar                         | AR
            AR                         | AR
            ar-EG                      | AR
            ar-EG,ar;q=0.9,en;q=0.8    | AR
            en-GB,en;q=0.9,ar;q=0.8    | EN
            fr-FR,fr;q=0.9,ar;q=0.5    | AR
            fr-FR                      | EN
            ar;q=0                     | EN
            ;;not a header             | EN
            """)
    void languageFromAcceptLanguage(String header, Language language) {
        assertEquals(language, Language.fromAcceptLanguage(header));
    }

    private static long words(String s, Pattern script) {
        return script.matcher(s).results().count();
    }
}
