package dev.mailcheck.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The indexed search (popular domains by length) finds what a scan of the whole popular list finds, tie
 * rule included, for every single edit of each popular domain and for random pairs of edits and strangers.
 */
class TypoSuggesterSearchTest {

    private static final DomainLists LISTS = DomainLists.bundled();
    private static final TypoSuggester INDEXED = new TypoSuggester(LISTS.popular(), LISTS::knownProvider);
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789-.";

    @Test
    void indexedSearchAnswersAsAScanOfEveryPopularDomain() {
        Set<String> inputs = new LinkedHashSet<>();
        Random random = new Random(27);
        for (String d : LISTS.popular()) {
            inputs.add(d);
            inputs.addAll(edits(d));
            List<String> once = new ArrayList<>(edits(d));
            for (int i = 0; i < 40; i++) {
                List<String> twice = edits(once.get(random.nextInt(once.size())));
                inputs.add(twice.get(random.nextInt(twice.size())));
            }
        }
        for (int i = 0; i < 2_000; i++) {
            StringBuilder s = new StringBuilder();
            for (int n = 1 + random.nextInt(14); n > 0; n--) {
                s.append(LETTERS.charAt(random.nextInt(LETTERS.length() - 2)));
            }
            inputs.add(s + "." + List.of("com", "con", "net", "org", "co.uk", "cm").get(random.nextInt(6)));
        }
        int found = 0;
        for (String input : inputs) {
            Optional<String> expected = LISTS.knownProvider(input) ? Optional.empty() : scan(input);
            assertEquals(expected, INDEXED.nearPopular(input), input);
            found += expected.isPresent() ? 1 : 0;
        }
        // The inputs reach both sides: most edits find their domain, strangers find none.
        assertEquals(true, found > inputs.size() / 4 && found < inputs.size(), found + " of " + inputs.size());
    }

    /** The search as a plain scan (short names left alone): the closest within the candidate's budget, the earlier one on a tie. */
    private static Optional<String> scan(String domain) {
        if (domain.indexOf('.') < TypoSuggester.MIN_NAME) {
            return Optional.empty(); // names of one or two letters are never corrected
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : LISTS.popular()) {
            int name = candidate.indexOf('.');
            int budget = name >= 6 ? 2 : name >= 3 ? 1 : 0;
            int d = TypoSuggester.distance(domain, candidate, budget);
            if (d <= budget && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Every deletion, swap of neighbours, and some insertions and substitutions of {@code s}. */
    private static List<String> edits(String s) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            out.add(s.substring(0, i) + s.substring(i + 1));
            if (i + 1 < s.length()) {
                out.add(s.substring(0, i) + s.charAt(i + 1) + s.charAt(i) + s.substring(i + 2));
            }
            for (char c : "aeoimn.".toCharArray()) {
                out.add(s.substring(0, i) + c + s.substring(i));
                out.add(s.substring(0, i) + c + s.substring(i + 1));
            }
        }
        return out;
    }
}
