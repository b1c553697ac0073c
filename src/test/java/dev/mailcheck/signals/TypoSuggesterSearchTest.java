package dev.mailcheck.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The search (popular domains by length, a filter on the characters they share, bit-parallel distances) answers as
 * its specification does ({@link ReferenceTypoSuggester}: a textbook table of edits against every popular domain),
 * on every domain the tests of this package name, the bundled lists, random edits of every popular domain, random
 * names and domains shaped as the benchmark's.
 */
class TypoSuggesterSearchTest {

    private static final DomainLists LISTS = DomainLists.bundled();
    private static final TypoSuggester SEARCH = new TypoSuggester(LISTS.popular(), LISTS::knownProvider);
    private static final ReferenceTypoSuggester REFERENCE = new ReferenceTypoSuggester(LISTS.popular(), LISTS::knownProvider);
    /** What is typed in domains. */
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789-.";
    /** And some of what is not, which only the domain looked up can hold: popular domains are ASCII. */
    private static final String ODD = "_A\u00e9\u0131\u4e2d";

    @Test
    void answersAsTheTableOfEditsDid() throws Exception {
        Random random = new Random(27);
        Set<String> inputs = new LinkedHashSet<>(namedByTheTests());
        for (String list : List.of("free.txt", "providers.txt", "typo-squats.txt")) {
            inputs.addAll(Files.readAllLines(Path.of("src/main/resources/lists", list)));
        }
        // Every eighth disposable domain: the whole list adds time, not cases.
        List<String> disposable = Files.readAllLines(Path.of("src/main/resources/lists", "disposable.txt"));
        for (int i = 0; i < disposable.size(); i += 8) {
            inputs.add(disposable.get(i));
        }
        for (String d : LISTS.popular()) {
            for (int edits = 0; edits <= 3; edits++) {
                for (int i = 0; i < 100; i++) {
                    inputs.add(edit(d, edits, random));
                }
            }
        }
        for (int i = 0; i < 10_000; i++) {
            inputs.add(randomName(random) + "." + List.of("com", "con", "cmo", "net", "nte", "org", "co.uk", "cm", "de", "test")
                    .get(random.nextInt(10)));
            inputs.add("d" + random.nextInt(1_000_000) + ".one.test");
        }
        int suggested = 0;
        int near = 0;
        for (String input : inputs) {
            assertEquals(REFERENCE.nearPopular(input), SEARCH.nearPopular(input), input);
            assertEquals(REFERENCE.suggest(input), SEARCH.suggest(input), input);
            assertEquals(REFERENCE.mistypedTld(input), SEARCH.mistypedTld(input), input);
            near += SEARCH.nearPopular(input).isPresent() ? 1 : 0;
            suggested += SEARCH.suggest(input).isPresent() ? 1 : 0;
        }
        // The inputs reach both sides, and the corrections that go past the nearest popular domain.
        assertTrue(near > 5_000 && near < inputs.size() / 2 && suggested > near + 1_000,
                near + " near, " + suggested + " suggested of " + inputs.size());
    }

    /**
     * The distance itself, bounded and not (the textbook distance, capped at one past the bound), on strings rich in
     * repeats and swaps as well as on domains.
     */
    @Test
    void distanceIsTheTableOfEditsDistance() {
        Random random = new Random(28);
        for (int i = 0; i < 200_000; i++) {
            String alphabet = i % 2 == 0 ? "ab." : LETTERS;
            String a = i % 3 == 0 ? edit(LISTS.popular().get(random.nextInt(LISTS.popular().size())), 2, random)
                    : randomString(alphabet, 1 + random.nextInt(64), random);
            String b = i % 3 == 0 ? edit(a, random.nextInt(4), random)
                    : randomString(i % 2 == 0 ? alphabet : alphabet + ODD, random.nextInt(20), random);
            for (int max : new int[] {0, 1, 2, 3, 100}) {
                assertEquals(Math.min(ReferenceTypoSuggester.distance(a, b), max + 1), TypoSuggester.distance(a, b, max), a + " ~ " + b + " max " + max);
            }
        }
    }

    /** The generated edits give domains at every distance the tests ask for. */
    @Test
    void theEditsReachEveryDistance() {
        Random random = new Random(29);
        List<Integer> reached = new ArrayList<>();
        for (int edits = 0; edits <= 3; edits++) {
            for (int i = 0; i < 100; i++) {
                reached.add(TypoSuggester.distance("hotmail.com", edit("hotmail.com", edits, random), 10));
            }
        }
        assertTrue(reached.containsAll(List.of(0, 1, 2, 3)), reached.toString());
    }
    /** Every domain-like word in this package's tests: their tables' rows. */
    private static Set<String> namedByTheTests() throws Exception {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("[\\p{L}\\p{N}-]+(\\.[\\p{L}\\p{N}-]*)+").matcher("");
        try (Stream<Path> files = Files.list(Path.of("src/test/java/dev/mailcheck/signals"))) {
            for (Path file : files.toList()) {
                m.reset(Files.readString(file));
                while (m.find()) {
                    out.add(m.group());
                }
            }
        }
        assertTrue(out.containsAll(List.of("hotmial.con", "yaho.cm", "gmail.c0m", "sbcglbal.net", "gotmail.com")), out.toString());
        return out;
    }

    /** {@code s} after {@code edits} random deletions, swaps of neighbours, insertions and substitutions. */
    private static String edit(String s, int edits, Random random) {
        StringBuilder b = new StringBuilder(s);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(b.length() + 1);
            char c = LETTERS.charAt(random.nextInt(LETTERS.length()));
            switch (at == b.length() ? 2 : random.nextInt(4)) {
                case 0 -> b.deleteCharAt(at);
                case 1 -> {
                    if (at + 1 < b.length()) {
                        char first = b.charAt(at);
                        b.setCharAt(at, b.charAt(at + 1));
                        b.setCharAt(at + 1, first);
                    }
                }
                case 2 -> b.insert(at, c);
                default -> b.setCharAt(at, c);
            }
            if (b.isEmpty()) {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String randomName(Random random) {
        return randomString(LETTERS.substring(0, LETTERS.length() - 1), 1 + random.nextInt(14), random);
    }

    private static String randomString(String alphabet, int length, Random random) {
        StringBuilder s = new StringBuilder();
        for (int n = 0; n < length; n++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

}
