package dev.mailcheck.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressParserTest {

    private final AddressParser parser = new AddressParser();

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
            """)
    void acceptsAndNormalizes(String input, String normalized, String unicodeDomain, boolean smtpUtf8) {
        var parsed = assertInstanceOf(ParsedAddress.Valid.class, parser.parse(input));
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
            """)
    void rejectsWithAReadableDetail(String input, String detail) {
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parser.parse(input));
        assertTrue(parsed.detail().contains(detail), () -> "detail for [" + input + "] was: " + parsed.detail());
    }

    @ParameterizedTest(name = "U+{0}")
    @CsvSource({"0000", "000D", "000A", "0009", "007F", "001B"})
    void rejectsControlCharacters(String hex) {
        String input = "us" + (char) Integer.parseInt(hex, 16) + "er@example.com";
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parser.parse(input));
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
        assertEquals(valid, parser.parse(input) instanceof ParsedAddress.Valid,
                () -> input.length() + " octets: " + parser.parse(input));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"é, 32, true", "é, 33, false"})
    void countsLocalPartInUtf8Octets(String ch, int repeat, boolean valid) {
        assertEquals(valid, parser.parse(ch.repeat(repeat) + "@example.com") instanceof ParsedAddress.Valid);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"user\uFFFD@example.com"})
    void rejectsUndecodableBytes(String input) {
        var parsed = assertInstanceOf(ParsedAddress.Invalid.class, parser.parse(input));
        assertTrue(parsed.detail().contains("not valid UTF-8"), parsed.detail());
    }
}
