package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplyReaderTest {

    private static final ReplyReader.Clock NO_DEADLINE = deadline -> { };

    private static Reply read(String raw) throws IOException {
        String wire = raw.replace("\\r", "\r").replace("\\n", "\n");
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)), NO_DEADLINE)
                .read(Stage.RCPT, Long.MAX_VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # on the wire                                          | code | enhanced | text
            250 2.1.5 Ok\\r\\n                                     | 250  | 2.1.5    | 2.1.5 Ok
            550 5.1.1 <zed@x.test>: User unknown\\r\\n             | 550  | 5.1.1    | 5.1.1 <zed@x.test>: User unknown
            556 5.1.10 Null MX\\r\\n                               | 556  | 5.1.10   | 5.1.10 Null MX
            250-first\\r\\n250-second\\r\\n250 last\\r\\n          | 250  | -        | first\\nsecond\\nlast
            220 mx.test ESMTP\\n                                   | 220  | -        | mx.test ESMTP
            250\\r\\n                                              | 250  | -        | ''
            450 4.2.0 Greylisted\\r\\n                             | 450  | 4.2.0    | 4.2.0 Greylisted
            550 4.2.0 class does not match the code\\r\\n          | 550  | -        | 4.2.0 class does not match the code
            550 5.1.1000 detail too long\\r\\n                     | 550  | -        | 5.1.1000 detail too long
            250 2.1.5\\r\\n                                        | 250  | 2.1.5    | 2.1.5
            """)
    void parsesCodeEnhancedCodeAndText(String wire, int code, String enhanced, String text) throws IOException {
        Reply r = read(wire);
        assertEquals(code, r.code());
        assertEquals(enhanced, r.enhanced());
        assertEquals(text.replace("\\n", "\n"), r.text());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # on the wire                        | the error says
            hello\\r\\n                          | malformed reply line
            25\\r\\n                             | malformed reply line
            250x ok\\r\\n                        | malformed reply line
            999 what\\r\\n                       | out of range
            250-first\\r\\n550 second\\r\\n      | different codes
            250-first\\r\\n                      | closed in mid-reply
            ''                                   | connection closed by the server
            """)
    void refusesWhatIsNotSmtp(String wire, String error) {
        IOException e = assertThrows(ReplyReader.ProtocolException.class, () -> read(wire));
        assertTrue(e.getMessage().contains(error), e.getMessage());
    }

    @Test
    void refusesOverLongLinesAndEndlessReplies() {
        assertThrows(ReplyReader.ProtocolException.class, () -> read("250 " + "x".repeat(ReplyReader.MAX_LINE) + "\n"));
        assertThrows(ReplyReader.ProtocolException.class, () -> read("250-x\n".repeat(ReplyReader.MAX_LINES + 1)));
    }

    @Test
    void aTricklingServerCannotStretchTheDeadline() {
        InputStream trickle = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };
        long deadline = System.nanoTime();
        ReplyReader reader = new ReplyReader(trickle, d -> {
            if (System.nanoTime() - d >= 0) {
                throw new ReplyReader.DeadlineException("late");
            }
        });
        assertThrows(ReplyReader.DeadlineException.class, () -> reader.read(Stage.GREETING, deadline));
    }
}
