package dev.mailcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogPrivacyTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # log text                                              | as logged
            jane.doe@example.com                                    | j***@example.com
            ab@example.com                                          | ***@example.com
            ünïcode@bücher.example                                  | ü***@bücher.example
            😀😀😀@example.com                                       | 😀***@example.com
            the CSV header has no 'email' column: jane@x.test,Jane  | the CSV header has no 'email' column: j***@x.test,Jane
            RCPT TO:<jane@x.test> refused                           | RCPT TO:<j***@x.test> refused
            s3://bucket/uploads/jane@corp.example/list.csv          | s3://bucket/uploads/j***@corp.example/list.csv
            two: a.b@x.test and c.d@y.test                          | two: a***@x.test and c***@y.test
            no address here, only @ and x@                          | no address here, only @ and x@
            """)
    void masksEveryAddressInALogLine(String text, String logged) {
        assertEquals(logged, LogPrivacy.maskAll(text));
    }

    @Test
    void theSwitchLetsWholeAddressesThrough() {
        boolean before = LogPrivacy.showAddresses();
        try {
            LogPrivacy.showAddresses(false);
            assertEquals("j***@example.com", LogPrivacy.text("jane@example.com"));
            LogPrivacy.showAddresses(true);
            assertEquals("jane@example.com", LogPrivacy.text("jane@example.com"));
        } finally {
            LogPrivacy.showAddresses(before);
        }
    }
}
