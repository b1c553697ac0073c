package dev.mailcheck.address;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The top-level rule, read by a loop, answers as the pattern it replaced. */
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
}
