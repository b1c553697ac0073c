package dev.mailcheck.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineSetTest {

    private static final List<String> LINES = List.of("*.anonaddy.com", "a", "ab", "abc", "abd", "b-c.com", "caf\u00e9.fr",
            "gma\u0131l.net", "zz", "\u00e9t\u00e9.fr");
    private static final LineSet SET = of(LINES);

    /** A look-up of part of a string, after a prefix, finds just what a look-up of the whole string would. */
    @ParameterizedTest(name = "{0} + {1}[{2}, {3}) -> {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # prefix | key                  | from | to | found | why
            ''       | a                    | 0    | 1  | true  | the first ASCII line
            ''       | ab                   | 0    | 1  | true  | a line that begins the next
            ''       | abc                  | 0    | 3  | true  | -
            ''       | abcd                 | 0    | 4  | false | longer than a line it begins with
            ''       | abe                  | 0    | 3  | false | between two lines
            ''       | xabdx                | 1    | 4  | true  | a range in the middle of the key
            ''       | caf\u00e9.fr         | 0    | 7  | true  | a Unicode key, by its UTF-8 bytes
            ''       | \u00e9t\u00e9.fr     | 0    | 6  | true  | a line after every ASCII one
            ''       | zz                   | 0    | 2  | true  | the last ASCII line, before the Unicode ones
            ''       | zzz                  | 0    | 3  | false | -
            ''       | gma\u0131l.net       | 0    | 9  | true  | -
            ''       | gmail.net            | 0    | 9  | false | -
            *.       | ann.anonaddy.com     | 4    | 16 | true  | a prefix and a suffix of the key: the wildcard form
            *.       | ann.anonaddy.com     | 0    | 16 | false | -
            *.       | notanonaddy.com      | 2    | 15 | false | a line the key ends with is not enough
            *.       | anonaddy.co          | 0    | 11 | false | -
            ''       | x                    | 0    | 0  | false | the empty key
            """)
    void findsAPrefixedRangeOfAKey(String prefix, String key, int from, int to, boolean found, String why) {
        assertEquals(found, SET.contains(prefix, key, from, to), why);
        assertEquals(found, SET.contains(prefix + key.substring(from, to)), why);
    }

    /** Random lists of short ASCII and Unicode lines (many colliding), and keys near them: found exactly when listed. */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3"})
    void findsWhatASetOfTheLinesHolds(long seed) {
        Random random = new Random(seed);
        String alphabet = "ab.-*\u00e9\u0131";
        Set<String> lines = new TreeSet<>();
        for (int i = 0; i < 500; i++) {
            lines.add(word(alphabet, 1 + random.nextInt(5), random));
        }
        LineSet set = of(List.copyOf(lines));
        for (int i = 0; i < 20_000; i++) {
            String prefix = random.nextInt(4) == 0 ? "*." : "";
            String key = word(alphabet, random.nextInt(7), random);
            int from = key.isEmpty() ? 0 : random.nextInt(key.length());
            String whole = prefix + key.substring(from);
            assertEquals(lines.contains(whole), set.contains(prefix, key, from, key.length()), whole);
        }
    }

    /** The file as it comes: in any order, its last line with or without its newline, or no line at all. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # text (\\n: a newline) | key   | found
            'b.com\\na.com\\n'      | a.com | true
            'b.com\\na.com'          | a.com | true
            'b.com\\na.com'          | b.com | true
            'b.com\\na.com'          | a.co  | false
            ''                     | a.com | false
            """)
    void takesAFileAsItComes(String text, String key, boolean found) {
        LineSet set = new LineSet(text.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(found, set.contains(key));
    }

    /** A list split by a prefix: the lines that begin with it, or the others; the last line with or without its newline. */
    @ParameterizedTest(name = "{0}, with {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # text (\\n: a newline)          | with  | lines found         | lines not found
            'a.com\\n*.b.com\\nc.com\\n'     | true  | *.b.com             | a.com c.com b.com
            'a.com\\n*.b.com\\nc.com\\n'     | false | a.com c.com         | *.b.com
            'a.com\\n*.b.com'                | true  | *.b.com             | a.com
            '*\\n*.\\n.*.x'                 | true  | *.                  | * .*.x
            ''                             | false | -                   | a.com
            """)
    void splitsByAPrefix(String text, boolean with, String found, String notFound) {
        LineSet.ByPrefix split = LineSet.byPrefix(text.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8), "*.");
        LineSet set = with ? split.with() : split.without();
        for (String line : found.split(" ")) {
            if (!line.equals("-")) {
                assertEquals(true, set.contains(line), line);
            }
        }
        for (String line : notFound.split(" ")) {
            assertEquals(false, set.contains(line), line);
        }
    }

    private static String word(String alphabet, int length, Random random) {
        StringBuilder s = new StringBuilder();
        for (int n = 0; n < length; n++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** The lines sorted by their UTF-8 bytes, as scripts/regenerate-lists writes a list, one a line. */
    private static LineSet of(List<String> lines) {
        List<byte[]> utf8 = new ArrayList<>(lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList());
        utf8.sort(Arrays::compareUnsigned);
        StringBuilder text = new StringBuilder();
        utf8.forEach(b -> text.append(new String(b, StandardCharsets.UTF_8)).append('\n'));
        return new LineSet(text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
