package dev.mailcheck.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailcheck.Reason;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.Checker;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TypoSuggesterTest {

    private static final TypoSuggester BUNDLED = new TypoSuggester(DomainLists.bundled().popular());
    private static final Checker checker = new Checker(Nsd.shared().resolver());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # domain          | suggestion     | why
            gmial.com         | gmail.com      | a swap of neighbours is one edit
            yaho.com          | yahoo.com      | one letter missing
            hotmial.con       | hotmail.com    | a swap and a wrong letter: two edits
            gmaill.com        | gmail.com      | one letter too many
            gnail.com         | gmail.com      | one wrong letter
            outlok.com        | outlook.com    | -
            icloud.cmo        | icloud.com     | -
            yahooo.co.uk      | yahoo.co.uk    | country domains are popular domains of their own
            gmiall.con        | gmail.com      | three edits: the top-level domain is fixed first, then the name
            example.con       | example.com    | a mistyped top-level domain on any domain
            mail.example.cmo  | mail.example.com | -
            example.comm      | example.com    | -
            gmail.com         | -              | a popular domain itself
            qq.com            | -              | a short popular domain itself
            example.com       | -              | far from every popular domain
            wikipedia.org     | -              | far, and org is one edit from no popular top-level domain
            gmaiiiil.com      | -              | three edits in the name are too many
            example.cm        | -              | two-letter top-level domains are country codes, left alone
            example.co        | -              | -
            xn--bcher-kva.de  | -              | -
            """)
    void suggestsThePopularDomainMeant(String domain, String suggestion, String why) {
        assertEquals(suggestion, BUNDLED.suggest(domain).orElse(null), why);
    }

    @ParameterizedTest(name = "{0} ~ {1} = {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # a       | b        | max | distance
            gmial     | gmail    | 2   | 1
            ab        | ba       | 2   | 1
            ca        | abc      | 3   | 3
            kitten    | sitting  | 3   | 3
            kitten    | sitting  | 2   | 3
            same      | same     | 0   | 0
            ''        | abc      | 5   | 3
            abcdef    | a        | 2   | 3
            """)
    void optimalStringAlignmentDistanceBoundedByMax(String a, String b, int max, int distance) {
        assertEquals(distance, TypoSuggester.distance(a, b, max));
        assertEquals(distance, TypoSuggester.distance(b, a, max));
    }

    /** After DNS: only a domain without a usable mail host gets a suggestion (zones/con.zone). */
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # address                   | reason          | suggestion
            ann@gmial.con               | NO_SUCH_DOMAIN  | ann@gmail.com
            ann@yaho.con                | NULL_MX         | ann@yahoo.com
            ann@outlok.con              | NO_MAIL_HOST    | ann@outlook.com
            ann@hotmial.con             | ACCEPTS_MAIL    | -
            ann@gmial.cmo               | DNS_FAILURE     | -
            ann@absent.checker.test     | NO_SUCH_DOMAIN  | -
            ann@good.checker.test       | ACCEPTS_MAIL    | -
            """)
    void suggestsOnlyWhenTheDomainTakesNoMail(String address, Reason reason, String suggestion) {
        CheckResult r = checker.check(address).join();
        assertEquals(reason, r.reason(), r::detail);
        Signals.Suggestion s = r.signals().suggestion();
        assertEquals(suggestion, s == null ? null : s.address());
        if (s != null) {
            assertEquals(suggestion.substring(suggestion.indexOf('@') + 1), s.domain());
        }
    }
}
