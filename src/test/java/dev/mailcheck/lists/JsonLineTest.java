package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A string written into a line is the bytes Jackson's generator writes for it, encoded as the old UTF-8 Writer
 * encoded them (a surrogate without its pair as '?'), whether it starts ASCII or not and wherever the line's buffer
 * has to grow.
 */
class JsonLineTest {

    private static final ObjectMapper JACKSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                  | string, as \\uXXXX escapes
            empty                                   | ''
            plain ASCII                             | a@a.test
            quote and backslash                     | a\\u0022b\\u005cc
            every control character after ASCII     | a\\u0000\\u0001\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u001f
            a control character first               | \\u0000a
            DEL and slash as they are               | \\u007f/
            two-byte UTF-8                          | j\\u00f6ran\\u00e9
            three-byte UTF-8, line separators       | \\u20ac\\u2028\\u2029
            a surrogate pair: four bytes            | \\ud83d\\ude00x
            a high surrogate alone                  | a\\ud800b
            a high surrogate at the end             | a\\ud800
            a low surrogate alone                   | \\udc00a
            two high surrogates, then a low         | \\ud800\\ud800\\udc00
            ASCII after the non-ASCII path          | \\u00e9abc\\u0022
            a question mark as it is                | a?b?
            chars past Latin-1 whose low byte is ASCII | a\\u0141\\u0161b
            Latin-1 past ASCII                      | a\\u00ffb\\u0080
            """)
    void aStringIsJacksonsTextAsTheUtf8WriterEncodedIt(String name, String escaped) throws Exception {
        String escapedOnce = unescape(escaped);
        // Short strings and long ones (past 64 characters), which come out of the String in two ways.
        for (String s : new String[] {escapedOnce, "y".repeat(70) + escapedOnce, escapedOnce + "y".repeat(70)}) {
            for (String before : new String[] {"", "x".repeat(1020), "\u00e9".repeat(700)}) { // the buffer grows mid-string
                JsonLine line = new JsonLine();
                line.string(before);
                int from = line.len;
                line.string(s);
                assertEquals(hex(utf8(JACKSON.writeValueAsString(s))), hex(Arrays.copyOfRange(line.buf, from, line.len)),
                        name + " (" + s.length() + " chars) after " + before.length() + " chars");
            }
        }
    }

    /** A string equal to one written before is copied from its bytes; any other is written. */
    @ParameterizedTest(name = "{0} after {1}")
    @CsvSource(delimiter = '|', textBlock = """
            a@a.test        | a@a.test
            A@a.test        | a@a.test
            b\\u00fccher    | b\\u00fccher
            ''              | ''
            a               | ''
            """)
    void aStringLikeTheOneBeforeIsTheSameBytes(String escaped, String beforeEscaped) throws Exception {
        String s = unescape(escaped);
        String before = unescape(beforeEscaped);
        JsonLine line = new JsonLine();
        line.string(before);
        int to = line.len;
        line.string(s, before, 0, to);
        assertEquals(hex(utf8(JACKSON.writeValueAsString(before) + JACKSON.writeValueAsString(s))),
                hex(Arrays.copyOf(line.buf, line.len)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0", "9", "10", "-1", "2147483647", "-2147483648"})
    void aNumberIsItsDecimalText(int n) {
        JsonLine line = new JsonLine();
        line.number(n);
        assertEquals(Integer.toString(n), new String(line.buf, 0, line.len, StandardCharsets.US_ASCII));
    }

    private static String unescape(String escaped) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < escaped.length(); i++) {
            if (escaped.startsWith("\\u", i)) {
                s.append((char) Integer.parseInt(escaped.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                s.append(escaped.charAt(i));
            }
        }
        return s.toString();
    }

    /** As the output's UTF-8 encoder wrote text before JSONL was written as bytes: a lone surrogate as '?'. */
    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
