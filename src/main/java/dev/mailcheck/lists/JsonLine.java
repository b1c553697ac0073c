package dev.mailcheck.lists;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One line of JSON as UTF-8 bytes, grown in place. Apart from {@link JsonlWriter}'s record layout because the
 * bytes must stay exactly what Jackson's generator and the old UTF-8 Writer gave (escapes, surrogates) while the
 * common case stays one test and one store a char: that contract has tests of its own, and the layout need not
 * know it.
 */
final class JsonLine {
    /** The record being written, as UTF-8: {@code buf[0..len)}. */
    byte[] buf = new byte[1024];
    int len;
    /**
     * A short string's characters, taken out in bulk by {@link #string}: one array for every address and domain,
     * not a copy of each; longer strings (a detail, written once a domain) come out as Latin-1 bytes, which copy faster.
     */
    private final char[] chars = new char[64];

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static final byte[] NULL = ascii("null");
    static final byte[] TRUE = ascii("true");
    static final byte[] FALSE = ascii("false");

    private void ensure(int more) {
        if (buf.length - len < more) {
            buf = Arrays.copyOf(buf, Math.max(len + more, 2 * buf.length));
        }
    }

    void raw(byte[] bytes) {
        raw(bytes, 0, bytes.length);
    }

    void raw(byte[] bytes, int from, int length) {
        ensure(length);
        System.arraycopy(bytes, from, buf, len, length);
        len += length;
    }

    void ascii(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    void bool(boolean b) {
        raw(b ? TRUE : FALSE);
    }

    void number(int n) {
        if (n >= 0 && n < 10) {
            ascii((char) ('0' + n));
        } else {
            raw(ascii(Integer.toString(n)));
        }
    }

    private static final byte[] HEX = ascii("0123456789ABCDEF");
    /**
     * The characters {@link #string} writes as they are, each its own byte: 0x20 to 0x7F but the quote and the
     * backslash. One read a character rather than four comparisons, in a loop every address and domain of a list
     * runs through.
     */
    private static final boolean[] AS_IS = new boolean[128];

    static {
        for (int c = 0x20; c < 0x80; c++) {
            AS_IS[c] = c != '"' && c != '\\';
        }
    }

    /**
     * A JSON string as Jackson's generator writes it with the mapper's defaults (quote and backslash escaped, the
     * control characters as \b \t \n \f \r or \\u00XX, everything else as it is), in UTF-8 as the output's
     * encoder wrote that text: a surrogate without its pair as '?'. Written as it is up to the first character that
     * needs more (a control character, a quote, a backslash, one past ASCII), then as {@link #escaped} writes them.
     * The characters come out in bulk (String.charAt a character at a time cost more): a short string's into one
     * reused array, as a copy of its own per address and domain was an allocation each (1,000,000 addresses: the
     * writer 3% less CPU); a longer one's as Latin-1 bytes (a character past Latin-1 comes out as '?', which also
     * stops the plain run), which are copied at once, faster than a byte each for a detail's hundred characters.
     */
    void string(String s) {
        if (s == null) {
            raw(NULL);
            return;
        }
        int n = s.length();
        ensure(2 + 6 * n); // at most \\u00XX (6 bytes) a char; UTF-8 takes at most 3 bytes a char
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        int i = 0;
        if (n <= chars.length) {
            char[] c = chars;
            s.getChars(0, n, c, 0);
            for (char ch; i < n && (ch = c[i]) < 0x80 && AS_IS[ch]; i++) {
                b[p++] = (byte) ch;
            }
        } else {
            byte[] latin1 = s.getBytes(StandardCharsets.ISO_8859_1); // '?' for a character past Latin-1
            while (i < n && latin1[i] >= 0 && latin1[i] != '?' && AS_IS[latin1[i]]) {
                i++;
            }
            System.arraycopy(latin1, 0, b, p, i);
            p += i;
        }
        if (i < n) {
            p = escaped(s, i, b, p);
        }
        b[p++] = '"';
        len = p;
    }

    /** The rest of {@code s} from {@code i}, written at {@code p} in {@code b}; returns where it ends. */
    private static int escaped(String s, int i, byte[] b, int p) {
        for (int n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                b[p++] = (byte) c;
            } else if (c < 0x20 || c == '"' || c == '\\') {
                b[p++] = '\\';
                switch (c) {
                    case '"', '\\' -> b[p++] = (byte) c;
                    case '\b' -> b[p++] = 'b';
                    case '\t' -> b[p++] = 't';
                    case '\n' -> b[p++] = 'n';
                    case '\f' -> b[p++] = 'f';
                    case '\r' -> b[p++] = 'r';
                    default -> {
                        b[p++] = 'u';
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xf];
                    }
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xc0 | c >> 6);
                b[p++] = (byte) (0x80 | c & 0x3f);
            } else if (!Character.isSurrogate(c)) {
                b[p++] = (byte) (0xe0 | c >> 12);
                b[p++] = (byte) (0x80 | c >> 6 & 0x3f);
                b[p++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[p++] = (byte) (0xf0 | cp >> 18);
                b[p++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[p++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[p++] = (byte) (0x80 | cp & 0x3f);
            } else {
                b[p++] = '?';
            }
        }
        return p;
    }

    /**
     * {@code s} as {@link #string} writes it, copied from the bytes written from {@code from} when it is
     * {@code before} (most addresses are their normalized form, most domains their Unicode form).
     */
    void string(String s, String before, int from, int to) {
        if (s != null && s.equals(before)) {
            ensure(to - from);
            System.arraycopy(buf, from, buf, len, to - from);
            len += to - from;
        } else {
            string(s);
        }
    }

    /** As the output's UTF-8 encoder writes text: a surrogate without its pair as '?'. */
    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
