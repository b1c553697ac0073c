package dev.mailcheck.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressParserTest {

    private final AddressParser parser = new AddressParser();
    /** The strict path with a table of its own, which the shortcut's conversions never fill. */
    private final AddressParser strict = new AddressParser();

    /**
     * The parser's answer, checked against its strict path: the plain-ASCII shortcut ({@link PlainAddress})
     * must answer every row of every table as the grammar does.
     */
    private ParsedAddress parse(String input) {
        ParsedAddress answer = parser.parse(input);
        assertEquals(strict.parseStrictly(input), answer, () -> "the shortcut and the strict path differ on [" + input + "]");
        return answer;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # input                               | normalized                               | unicode domain        | smtputf8
            user@example.com                      | user@example.com                         | example.com           | false
            User.Name+tag@Example.COM             | User.Name+tag@example.com                | example.com           | false
            '  padded@example.com  '              | padded@example.com                       | example.com           | false
            "quoted"@example.com                  | quoted@example.com                       | example.com           | false
            "john doe"@example.com                | "john doe"@example.com                   | example.com           | false
            "a@b"@example.com                     | "a@b"@example.com                        | example.com           | false
            !#$%&*+/=?^_`{}~-@example.com         | !#$%&*+/=?^_`{}~-@example.com            | example.com           | false
            'o''neil|x@example.com'               | 'o''neil|x@example.com'                  | example.com           | false
            user@münchen.de                       | user@xn--mnchen-3ya.de                   | münchen.de            | false
            user@MÜNCHEN.DE                       | user@xn--mnchen-3ya.de                   | münchen.de            | false
            user@straße.de                        | user@xn--strae-oqa.de                    | straße.de             | false
            user@xn--mnchen-3ya.de                | user@xn--mnchen-3ya.de                   | münchen.de            | false
            用户@例子.广告                          | 用户@xn--fsqu00a.xn--4rr70v                | 例子.广告              | true
            ünïcode@example.com                   | ünïcode@example.com                      | example.com           | true
            a@x.co                                | a@x.co                                   | x.co                  | false
            a@1.2.3.example                       | a@1.2.3.example                          | 1.2.3.example         | false
            # normalised first: the output is NFC, and the rules judged that form
            e\u0301t\u00e9@example.com                | \u00e9t\u00e9@example.com                   | example.com           | true
            user@a\u030a.example                  | user@xn--5ca.example                     | \u00e5.example             | false
            # ideographic, full-width and half-width full stops separate domain labels (UTS #46)
            user@example\u3002com                 | user@example.com                         | example.com           | false
            user@example\uff0ecom                 | user@example.com                         | example.com           | false
            user@example\uff61com                 | user@example.com                         | example.com           | false
            # ...but only in the domain: in a local part they are characters like any other
            a\u3002b@example.com                  | a\u3002b@example.com                     | example.com           | true
            # a quoted pair of printable ASCII, Unicode spaces inside quotes
            '"a\\"b"@example.com'                | '"a\\"b"@example.com'                   | example.com           | false
            '"a\u00a0b"@example.com'              | '"a\u00a0b"@example.com'                 | example.com           | true
            # from the pyIsEmail suite as python-email-validator's tests/test_syntax.py carries it
            '"\\a"@iana.org'                     | '"\\a"@iana.org'                        | iana.org              | false
            xn--test@iana.org                     | xn--test@iana.org                        | iana.org              | false
            test@g--a.com                         | test@g--a.com                            | g--a.com              | false
            test@xn--hxajbheg2az3al.xn--jxalpdlp  | test@xn--hxajbheg2az3al.xn--jxalpdlp     | \u03c0\u03b1\u03c1\u03ac\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae | false
            """)
    void acceptsAndNormalizes(String input, String normalized, String unicodeDomain, boolean smtpUtf8) {
        var parsed = assertInstanceOf(ParsedAddress.Valid.class, parse(input));
        assertEquals(normalized, parsed.address().normalized());
        assertEquals(unicodeDomain, parsed.address().unicodeDomain());
        assertEquals(smtpUtf8, parsed.address().smtpUtf8());
        assertEquals(input, parsed.input(), "the input is kept as given");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # input                               | the detail says
            ''                                    | empty
            '   '                                 | empty
            userexample.com                       | must have an @-sign
            a@b@example.com                       | only one @-sign
            @example.com                          | something before the @-sign
            user@                                 | domain name after the @-sign
            .user@example.com                     | cannot start with a period
            user.@example.com                     | cannot end with a period
            us..er@example.com                    | two periods in a row
            user@example..com                     | two periods in a row
            user@example.com.                     | cannot end with a period
            us er@example.com                     | cannot contain spaces
            user@exa mple.com                     | cannot contain spaces
            user@ex_ample.com                     | no underscores
            user@-example.com                     | cannot start with a hyphen
            user@example-.com                     | cannot end with a hyphen
            user@localhost                        | at least two labels
            user@[192.0.2.1]                      | IP literal
            (comment)user@example.com             | Comments
            John <user@example.com>               | display name
            user@example.123                      | all digits
            user@xn--a.example                    | internationalized domain name
            'a@"@..com'                           | could not be analysed
            '""@"@..com'                          | could not be analysed
            # normalise first, then validate: U+037E GREEK QUESTION MARK is ';' in NFC
            me.\u037e@example.com                 | only allowed inside quotes
            # RFC 5321: a dot-string or one whole quoted string
            '"a"."b"@example.com'                 | not a piece of it
            'obsolete."quoted".atom@example.com'  | not a piece of it
            '"test".test@iana.org'                | not a piece of it
            'a."b"@example.com'                   | not a piece of it
            'bad"quotes"@example.com'             | not a piece of it
            'test\\@test@iana.org'                 | backslash outside quotes
            'a\\b@example.com'                     | backslash outside quotes
            '"\\\u00e9"@example.com'                | printable ASCII
            '""@example.com'                      | something before the @-sign
            # domain dots, whichever way they arrive
            user@example.com\uff0e                | cannot end with a period
            user@example.com\u3002                | cannot end with a period
            my@\uff0eleadingfwdot.com             | period
            my@twofwdots\uff0e\uff0e.com           | two periods in a row
            # the top-level label is letters or an A-label
            me@bad.tld-2                          | last label of the domain name must be letters
            me@example.c0m                        | last label of the domain name must be letters
            me@bad-tld-1                          | at least two labels
            """)
    void rejectsWithAReadableDetail(String input, String detail) {
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parse(input));
        assertTrue(parsed.detail().contains(detail), () -> "detail for [" + input + "] was: " + parsed.detail());
    }

    @ParameterizedTest(name = "U+{0}")
    @CsvSource({"0000", "000D", "000A", "0009", "007F", "001B", "0080", "0085", "009C", "009F"})
    void rejectsControlCharacters(String hex) {
        String input = "us" + (char) Integer.parseInt(hex, 16) + "er@example.com";
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parse(input));
        assertTrue(parsed.detail().contains("control character (U+" + hex + ") at position 3"), parsed.detail());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"64, 63, true", "65, 63, false", "64, 179, true", "64, 180, false", "1, 241, true", "1, 242, false"})
    void enforcesOctetLimits(int localLength, int domainLabelChars, boolean valid) {
        // domainLabelChars spread over labels of at most 63, then ".example": the whole path is what counts.
        StringBuilder domain = new StringBuilder();
        for (int left = domainLabelChars; left > 0; left -= 63) {
            domain.append("d".repeat(Math.min(63, left))).append('.');
        }
        String input = "l".repeat(localLength) + "@" + domain + "example";
        assertEquals(valid, parse(input) instanceof ParsedAddress.Valid,
                () -> input.length() + " octets: " + parse(input));
    }

    /**
     * Characters that make one address look like another or are not characters at all; the detail names
     * the character. Cases marked * come from python-email-validator's test_email_unsafe_character
     * (tests/test_syntax.py), which tries each before and after the @-sign as these rows do.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # input                                  | the detail names
            \u200b@example.com                       | an invisible formatting character (U+200B ZERO WIDTH SPACE) at position 1
            user@exam\u200bple.com                   | (U+200B ZERO WIDTH SPACE) at position 10
            us\u200cer@example.com                   | U+200C ZERO WIDTH NON-JOINER
            us\u200der@example.com                   | U+200D ZERO WIDTH JOINER
            us\u200eer@example.com                   | U+200E LEFT-TO-RIGHT MARK
            us\u200fer@example.com                   | U+200F RIGHT-TO-LEFT MARK
            \u202dforward-\u202ereversed@example.com | U+202D LEFT-TO-RIGHT OVERRIDE
            gro\u202eup@example.com                  | U+202E RIGHT-TO-LEFT OVERRIDE
            a\u202ab@example.com                     | U+202A LEFT-TO-RIGHT EMBEDDING
            a\u2066b\u2069@example.com                | U+2066 LEFT-TO-RIGHT ISOLATE
            a\u2069@example.com                      | U+2069 POP DIRECTIONAL ISOLATE
            \ufeffuser@example.com                   | U+FEFF ZERO WIDTH NO-BREAK SPACE
            user@example.com\ufeff                   | U+FEFF ZERO WIDTH NO-BREAK SPACE
            '"quoted\u200b"@example.com'            | U+200B ZERO WIDTH SPACE
            a\u00adb@example.com                     | U+00AD SOFT HYPHEN
            a\u2028b@example.com                     | a line break (U+2028 LINE SEPARATOR)
            a\u2029b@example.com                     | U+2029 PARAGRAPH SEPARATOR
            a\u2005b@example.com                     | a space (U+2005 FOUR-PER-EM SPACE)
            a\u00a0b@example.com                     | U+00A0 NO-BREAK SPACE
            \u0300user@example.com                   | a combining mark with no letter before it (U+0300 COMBINING GRAVE ACCENT) at position 1
            '"\u0301user"@example.com'              | U+0301 COMBINING ACUTE ACCENT
            a.\u0301b@example.com                    | U+0301 COMBINING ACUTE ACCENT
            user@\u0301example.com                   | U+0301 COMBINING ACUTE ACCENT
            \u009c@example.com                       | a control character (U+009C)
            \ue000@example.com                       | a private-use character (U+E000)
            user@\ue000.example                      | a private-use character (U+E000)
            \udbff\uddef@example.com                  | a private-use character (U+10FDEF)
            \ufdef@example.com                       | a noncharacter (U+FDEF)
            a\uffff@example.com                      | a noncharacter (U+FFFF)
            a\u0378@example.com                      | a code point not assigned in Unicode (U+0378)
            \ud800@example.com                       | half of a surrogate pair, which is not a character (U+D800)
            a\udc00@example.com                      | half of a surrogate pair, which is not a character (U+DC00)
            """)
    void refusesUnsafeCharactersByName(String input, String detail) {
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parse(input));
        assertTrue(parsed.detail().contains(detail), () -> "detail for [" + input + "] was: " + parsed.detail());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"é, 32, true", "é, 33, false", "e\u0301, 32, true", "e\u0301, 33, false"})
    void countsLocalPartInUtf8Octets(String ch, int repeat, boolean valid) {
        assertEquals(valid, parse(ch.repeat(repeat) + "@example.com") instanceof ParsedAddress.Valid);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"user\uFFFD@example.com"})
    void rejectsUndecodableBytes(String input) {
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parse(input));
        assertTrue(parsed.detail().contains("not valid UTF-8"), parsed.detail());
    }
}
