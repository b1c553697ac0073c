package dev.mailcheck.signals;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * {@link TypoSuggester}'s rules written as a specification, to be read rather than to be fast: every popular domain
 * is compared with the whole domain by a textbook table of edits, with no index by length, no filter and no early
 * stop. It is the oracle of {@link TypoSuggesterSearchTest}, which checks that the fast search gives these answers;
 * it is kept plainly different in shape so that a slip in the search is not copied here too.
 */
final class ReferenceTypoSuggester {

    /** A popular domain cut into the parts the rules compare, with the edits it allows. */
    private record Popular(String domain, String name, String tld, int budget) {

        /**
         * The budget by the length of the name before the first dot: two edits from six letters, one from three, none
         * below (as {@link TypoSuggester} documents why).
         */
        static Popular of(String domain) {
            int firstLabel = domain.indexOf('.');
            int lastDot = domain.lastIndexOf('.');
            int budget = firstLabel >= 6 ? 2 : firstLabel >= 3 ? 1 : 0;
            return new Popular(domain, domain.substring(0, lastDot), domain.substring(lastDot + 1), budget);
        }
    }

    private final List<Popular> popular;
    /** The popular top-level labels, each once, in the order they first appear. */
    private final List<String> tlds;
    private final Predicate<String> knownProvider;

    ReferenceTypoSuggester(List<String> popular, Predicate<String> knownProvider) {
        this.popular = popular.stream().map(Popular::of).toList();
        this.tlds = this.popular.stream().map(Popular::tld).distinct().toList();
        this.knownProvider = knownProvider;
    }

    Optional<String> nearPopular(String domain) {
        return knownProvider.test(domain) ? Optional.empty() : nearest(domain);
    }

    /** The nearest popular domain; else the label fixed (then its nearest popular domain, if any); else a slip in each part. */
    Optional<String> suggest(String domain) {
        if (knownProvider.test(domain)) {
            return Optional.empty();
        }
        return nearest(domain)
                .or(() -> fixTld(domain).map(fixed -> nearest(fixed).orElse(fixed)))
                .or(() -> slipInEachPart(domain));
    }

    boolean mistypedTld(String domain) {
        return fixTld(domain).isPresent();
    }

    /**
     * Of the popular domains within their budget of the whole domain, the one with the fewest edits, the first listed
     * on a tie; none when the domain has no dot or its first label is under three characters.
     */
    private Optional<String> nearest(String domain) {
        if (domain.indexOf('.') < 3) {
            return Optional.empty();
        }
        int[] edits = popular.stream().mapToInt(p -> within(domain, p.domain(), p.budget())
                ? distance(domain, p.domain()) : Integer.MAX_VALUE).toArray();
        return IntStream.range(0, edits.length).boxed()
                .filter(i -> edits[i] <= popular.get(i).budget())
                .min(Comparator.<Integer>comparingInt(i -> edits[i]).thenComparingInt(i -> i))
                .map(i -> popular.get(i).domain());
    }

    /**
     * The domain with its top-level label swapped for the first popular one a single edit away, unless the label is
     * under three characters (a country code) or popular already.
     */
    private Optional<String> fixTld(String domain) {
        String tld = domain.substring(domain.lastIndexOf('.') + 1);
        if (tld.length() < 3 || tlds.contains(tld)) {
            return Optional.empty();
        }
        String rest = domain.substring(0, domain.length() - tld.length());
        return tlds.stream().filter(t -> within(tld, t, 1)).findFirst().map(t -> rest + t);
    }

    /**
     * The first popular domain whose name (before the last dot) is within its budget of the domain's and whose
     * top-level label is one edit from the domain's; none when the domain's name is under three characters.
     */
    private Optional<String> slipInEachPart(String domain) {
        int lastDot = domain.lastIndexOf('.');
        if (lastDot < 3) {
            return Optional.empty();
        }
        String name = domain.substring(0, lastDot);
        String tld = domain.substring(lastDot + 1);
        return popular.stream()
                .filter(p -> within(tld, p.tld(), 1) && within(name, p.name(), p.budget()))
                .map(Popular::domain)
                .findFirst();
    }

    /**
     * Whether {@code a} is within {@code budget} edits of {@code b}; the table is filled only when the lengths allow
     * it (each edit changes the length by at most one), which keeps this reference fast enough for every build.
     */
    private static boolean within(String a, String b, int budget) {
        return Math.abs(a.length() - b.length()) <= budget && distance(a, b) <= budget;
    }

    /**
     * The optimal string alignment distance, by the textbook table: {@code d[i][j]} is the edits between the first
     * {@code i} characters of {@code a} and the first {@code j} of {@code b}, each an insertion, deletion,
     * substitution or swap of two neighbours.
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int substitution = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + substitution);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
