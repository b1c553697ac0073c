package dev.mailcheck.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.verdict.CheckResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TypoSuggesterTest {

    private static final TypoSuggester BUNDLED = TypoSuggester.bundled();
    private static final Checker checker = new Checker(Nsd.shared().resolver());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # domain          | suggestion     | why
            gmial.com         | gmail.com      | a swap of neighbours is one edit
            yaho.com          | yahoo.com      | one letter missing
            hotmial.con       | hotmail.com    | a swap and a wrong letter: two edits, for a name of seven letters
            gmaill.com        | gmail.com      | one letter too many
            gnail.com         | gmail.com      | one wrong letter
            outlok.com        | outlook.com    | -
            icloud.cmo        | icloud.com     | -
            yahooo.co.uk      | yahoo.co.uk    | country domains are popular domains of their own
            gmial.con         | gmail.com      | two edits on a name of five letters: the top-level domain is fixed first, then the name
            example.con       | example.com    | a mistyped top-level domain on any domain
            mail.example.cmo  | mail.example.com | -
            example.comm      | example.com    | -
            gmail.com         | -              | a popular domain itself
            qq.com            | -              | a short popular domain itself
            example.com       | -              | far from every popular domain
            wikipedia.org     | -              | far, and org is one edit from no popular top-level domain
            gmaiiiil.com      | -              | three edits in the name are too many
            33mail.com        | -              | two edits from gmail.com: too many for a name of five letters
            mw.com            | -              | one edit from me.com: too many for a name of two letters
            example.cm        | -              | two-letter top-level domains are country codes, left alone
            example.co        | -              | -
            xn--bcher-kva.de  | -              | -
            gm.com            | -              | a name of two letters is never corrected: gm.com is a company, not gmx.com
            mx.com            | -              | -
            ao.com            | -              | -
            yaho.cm           | yahoo.com      | a slip in the name and one in the top-level label
            gmial.cm          | gmail.com      | -
            hotmial.co        | hotmail.com    | -
            gmail.c0m         | gmail.com      | a digit for a letter in the top-level label
            example.cm        | -              | a country code after a name that is no popular one: left alone
            """)
    void suggestsThePopularDomainMeant(String domain, String suggestion, String why) {
        assertEquals(suggestion, BUNDLED.suggest(domain).orElse(null), why);
    }

    /** Typos that really happen, each with the provider meant: from spelling alone, whatever DNS says. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            gmial.com      | gmail.com
            gmai.com       | gmail.com
            gamil.com      | gmail.com
            gmal.com       | gmail.com
            gmail.co       | gmail.com
            gmail.cm       | gmail.com
            gmail.om       | gmail.com
            gmail.con      | gmail.com
            yaho.com       | yahoo.com
            yahooo.com     | yahoo.com
            yhoo.com       | yahoo.com
            yahho.com      | yahoo.com
            yahoo.cm       | yahoo.com
            yahoo.con      | yahoo.com
            yahoo.om       | yahoo.com
            hotmial.com    | hotmail.com
            hotmai.com     | hotmail.com
            hotmail.co     | hotmail.com
            gotmail.com    | hotmail.com
            hotmil.com     | hotmail.com
            hotmaill.com   | hotmail.com
            hotamil.com    | hotmail.com
            hotmal.com     | hotmail.com
            homail.com     | hotmail.com
            hotmail.con    | hotmail.com
            hotmail.om     | hotmail.com
            outiook.com    | outlook.com
            outlok.com     | outlook.com
            outloook.com   | outlook.com
            outlock.com    | outlook.com
            outlook.co     | outlook.com
            icloud.co      | icloud.com
            iclod.com      | icloud.com
            icould.com     | icloud.com
            iclud.com      | icloud.com
            aol.co         | aol.com
            aoll.com       | aol.com
            live.cm        | live.com
            protonmail.co  | protonmail.com
            protonmal.com  | protonmail.com
            ymial.com      | ymail.com
            googlemial.com | googlemail.com
            rocketmial.com | rocketmail.com
            yandex.ry      | yandex.ru
            mail.ri        | mail.ru
            gmx.nte        | gmx.net
            wev.de         | web.de
            comcast.nte    | comcast.net
            verizon.nte    | verizon.net
            att.ne         | att.net
            sbcglbal.net   | sbcglobal.net
            """)
    void realTyposGetTheProviderMeant(String typo, String meant) {
        assertEquals(meant, BUNDLED.nearPopular(typo).orElse(null));
        assertEquals(meant, BUNDLED.suggest(typo).orElse(null));
    }

    /** Providers' own country and brand domains, one or two edits from a popular one: never "corrected". */
    @ParameterizedTest
    @ValueSource(strings = {"yahoo.ca", "yahoo.in", "yahoo.se", "yahoo.com.ar", "yahoo.com.mx", "y7mail.com",
            "hotmail.ca", "hotmail.se", "hotmail.nl", "hotmail.be", "hotmail.co.jp", "hotmail.co.za", "outlook.es",
            "outlook.jp", "outlook.sa", "outlook.at", "outlook.in", "live.ca", "live.de", "protonmail.ch", "pm.me",
            "fastmail.fm", "fastmail.to", "myfastmail.com", "foxmail.com", "email.com", "online.de", "inbox.lv",
            "yandex.ua", "yandex.by", "yandex.kz", "ya.ru", "mymail.com", "my.com", "gmx.de", "gmx.com", "gmx.at",
            "me.com", "mac.com", "q.com", "op.pl", "nate.com", "interia.eu", "wanadoo.es", "t-online.hu", "yopmail.com",
            "myrambler.ru", "ownmail.net", "hailmail.net"})
    void providersOwnDomainsAreNeverCorrected(String domain) {
        assertEquals(Optional.empty(), BUNDLED.suggest(domain));
        assertEquals(Optional.empty(), BUNDLED.nearPopular(domain));
    }

    /**
     * A domain with its own working MX is a real organisation's, unless it is a known typo-squat
     * (typo-squats.txt) or its top-level label is a slip: no suggestion talks its people out of it. Without a
     * mail route, the same names get one.
     */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # domain       | DNS said        | suggestion
            cloud.com      | ACCEPTS_MAIL    | -
            hive.com       | ACCEPTS_MAIL    | -
            wahoo.com      | ACCEPTS_MAIL    | -
            hotmart.com    | ACCEPTS_MAIL    | -
            zoro.com       | ACCEPTS_MAIL    | -
            gm.com         | ACCEPTS_MAIL    | -
            mx.com         | ACCEPTS_MAIL    | -
            ao.com         | ACCEPTS_MAIL    | -
            gmial.com      | ACCEPTS_MAIL    | gmail.com
            hotmial.com    | ACCEPTS_MAIL    | hotmail.com
            yaho.com       | ACCEPTS_MAIL    | yahoo.com
            hotmial.con    | ACCEPTS_MAIL    | hotmail.com
            cloud.com      | NO_SUCH_DOMAIN  | icloud.com
            hive.com       | NO_MAIL_HOST    | live.com
            hotmart.com    | DNS_FAILURE     | hotmail.com
            gm.com         | NO_SUCH_DOMAIN  | -
            """)
    void aDomainWithItsOwnWorkingMxIsNoTypo(String domain, Reason said, String suggestion) {
        Signals s = SignalCheck.bundled().of(new EmailAddress("jane", domain, domain, false), said);
        assertEquals(suggestion, s.suggestion() == null ? null : s.suggestion().domain());
    }

    /** Typo-squats listed are typos by the suggester's own measure: the list and the suggester agree. */
    @Test
    void everyListedTypoSquatIsATypo() throws Exception {
        List<String> squats = Files.readAllLines(Path.of("src/main/resources/lists/typo-squats.txt"));
        assertTrue(squats.size() > 50, squats.size() + " entries");
        assertEquals(List.of(), squats.stream().filter(d -> BUNDLED.nearPopular(d).isEmpty()).toList());
    }

    /**
     * Input that is no address, with a slip in the domain part: the address meant comes with the syntax error,
     * when the repair is a valid address.
     */
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # typed                | reason          | suggestion
            jane@gmail             | INVALID_SYNTAX  | jane@gmail.com
            jane@gmailcom          | INVALID_SYNTAX  | jane@gmail.com
            jane@gmail,com         | INVALID_SYNTAX  | jane@gmail.com
            jane@gmail..com        | INVALID_SYNTAX  | jane@gmail.com
            jane@gmail.            | INVALID_SYNTAX  | jane@gmail.com
            jane@gmial,con         | INVALID_SYNTAX  | jane@gmail.com
            jane@yahoocom          | INVALID_SYNTAX  | jane@yahoo.com
            jane@hotmail           | INVALID_SYNTAX  | jane@hotmail.com
            jane@example..org      | INVALID_SYNTAX  | jane@example.org
            jane@example           | INVALID_SYNTAX  | -
            jane doe@gmail,com     | INVALID_SYNTAX  | -
            jane@@gmail,com        | INVALID_SYNTAX  | -
            jane                   | INVALID_SYNTAX  | -
            """)
    void aStructuralSlipGetsTheAddressMeant(String typed, Reason reason, String suggestion) {
        CheckResult r = checker.check(typed).join();
        assertEquals(reason, r.reason(), r::detail);
        Signals.Suggestion s = r.signals().suggestion();
        assertEquals(suggestion, s == null ? null : s.address());
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

    /**
     * After DNS (zones/con.zone): a typo of a popular provider is suggested whatever DNS says, and the verdict
     * stays DNS's; a mistyped top-level label on another name only when the domain takes no mail.
     */
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # address                   | reason          | suggestion
            ann@gmial.con               | NO_SUCH_DOMAIN  | ann@gmail.com
            ann@yaho.con                | NULL_MX         | ann@yahoo.com
            ann@outlok.con              | NO_MAIL_HOST    | ann@outlook.com
            ann@hotmial.con             | ACCEPTS_MAIL    | ann@hotmail.com
            ann@gmial.com               | DNS_FAILURE     | ann@gmail.com
            ann@gmial.cmo               | DNS_FAILURE     | -
            ann@absent.checker.test     | NO_SUCH_DOMAIN  | -
            ann@good.checker.test       | ACCEPTS_MAIL    | -
            """)
    void suggestsATypoOfAProviderWhateverDnsSays(String address, Reason reason, String suggestion) {
        CheckResult r = checker.check(address).join();
        assertEquals(reason, r.reason(), r::detail);
        Signals.Suggestion s = r.signals().suggestion();
        assertEquals(suggestion, s == null ? null : s.address());
        if (s != null) {
            assertEquals(suggestion.substring(suggestion.indexOf('@') + 1), s.domain());
            assertFalse(r.signals().freeProvider(), "a typo domain is no free provider");
        }
    }
}
