package dev.mailcheck.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The top-level rule, read by a loop, answers as the pattern it replaced; a plain domain, converted without ICU,
 * as ICU converts it.
 */
class DomainPartsTest {

    private static final Pattern TOP_LEVEL = Pattern.compile("[a-z]+|xn--[a-z0-9-]+");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # domain (converted: lower case)  | a top-level label
            example.com                      | true
            example.c                        | true
            example.c0m                      | false
            example.tld-2                    | false
            example.xn--4rr70v               | true
            example.xn--jxalpdlp             | true
            example.xn--                     | false
            example.xn-                      | false
            example.xn--a-b-                 | true
            example.xn--a.b-c                | false
            example.xn--ü                    | false
            example.XN--a                    | false
            example.Com                      | false
            example.com-                     | false
            example.                         | false
            com                              | true
            xn--a                            | true
            xn-                              | false
            example.xnab                     | true
            example.xn-a                     | false
            """)
    void theTopLevelRuleIsThePatterns(String domain, boolean expected) {
        String label = domain.substring(domain.lastIndexOf('.') + 1);
        assertEquals(TOP_LEVEL.matcher(label).matches(), expected, "the table agrees with the pattern");
        assertEquals(expected, DomainParts.topLevel(domain, domain.lastIndexOf('.') + 1));
    }

    /** The domains of plain addresses, at each edge of the shortcut's rules: converted without ICU as ICU converts them. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            example.com
            EXAMPLE.COM
            Mixed-Case.Example.Org
            a.b
            0.example
            123.456.example
            a-b.c-d.example
            a--b.example
            abc-d.example
            d103.bench.test
            mx-1.mail-host.example.museum
            """)
    void aPlainDomainIsConvertedAsIcuConvertsIt(String domain) {
        assertPlainAsIcu(domain);
    }

    /** Labels of 63, names of 252 octets, and generated plain names: the same again. */
    @org.junit.jupiter.api.Test
    void plainDomainsAtTheLengthLimitsAndGeneratedOnesAreConvertedAsIcuConvertsThem() {
        String label63 = "a".repeat(61) + "Z9";
        assertPlainAsIcu(label63 + ".example");
        // The longest the shortcut takes: the path (a@...) has at most 254 octets.
        String name252 = String.join(".", label63, label63, label63, "b".repeat(54) + "-c.com");
        assertEquals(252, name252.length());
        assertPlainAsIcu(name252);
        java.util.Random random = new java.util.Random(27);
        String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
        int plain = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder d = new StringBuilder();
            for (int n = 1 + random.nextInt(i % 10 == 0 ? 260 : 30); d.length() < n; ) {
                d.append(chars.charAt(random.nextInt(chars.length())));
            }
            d.append('.').append(i % 3 == 0 ? "COM" : "test");
            String domain = d.toString();
            if (PlainAddress.parse("a@" + domain) != null) { // a domain the shortcut takes
                assertPlainAsIcu(domain);
                plain++;
            }
        }
        assertTrue(plain > 2_000, plain + " plain domains generated");
    }

    private static void assertPlainAsIcu(String domain) {
        assertEquals(DomainParts.convert(domain), DomainParts.plain(domain), domain);
        assertNotNull(PlainAddress.parse("a@" + domain), "a domain the shortcut takes: " + domain);
    }
}
