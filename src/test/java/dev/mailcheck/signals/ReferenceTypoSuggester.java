package dev.mailcheck.signals;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * {@link TypoSuggester}'s searches as they were before the filtered, bit-parallel search (a table of edits per pair
 * of domains, no filter): kept only as the reference its answers are checked against, in
 * {@link TypoSuggesterSearchTest}.
 */
final class ReferenceTypoSuggester {

    /** The largest edit budget {@link #budget} gives. */
    private static final int MAX_BUDGET = 2;

    private final List<String> popular;
    /** Each popular domain's edit budget, by its position in {@link #popular}. */
    private final int[] budgets;
    /**
     * Positions in {@link #popular} by the domain's length, ascending: a domain can only be within budget of
     * those at most {@link #MAX_BUDGET} longer or shorter, so a search looks at a few of them, not at all.
     */
    private final int[][] byLength;
    private final Predicate<String> knownProvider;
    /** The popular domains' top-level labels, in the order they first appear. */
    private final List<String> tlds;
    /** Each popular domain cut at its last dot, by its position in {@link #popular}: what {@link #nearPopularName} compares. */
    private final String[] names;
    private final String[] topLabels;

    /**
     * @param popular       the domains to correct towards, most used first (the first wins a tie)
     * @param knownProvider whether a domain is a mail provider's own, never to be corrected
     */
    ReferenceTypoSuggester(List<String> popular, Predicate<String> knownProvider) {
        this.popular = List.copyOf(popular);
        this.knownProvider = knownProvider;
        this.budgets = this.popular.stream().mapToInt(ReferenceTypoSuggester::budget).toArray();
        int longest = this.popular.stream().mapToInt(String::length).max().orElse(0);
        this.byLength = new int[longest + 1][];
        for (int length = 0; length <= longest; length++) {
            int l = length;
            byLength[length] = IntStream.range(0, this.popular.size())
                    .filter(i -> this.popular.get(i).length() == l).toArray();
        }
        Set<String> tlds = new LinkedHashSet<>();
        popular.forEach(d -> tlds.add(d.substring(d.lastIndexOf('.') + 1)));
        this.tlds = List.copyOf(tlds);
        this.names = this.popular.stream().map(d -> d.substring(0, d.lastIndexOf('.'))).toArray(String[]::new);
        this.topLabels = this.popular.stream().map(d -> d.substring(d.lastIndexOf('.') + 1)).toArray(String[]::new);
    }

    /**
     * The popular domain a typo of it meant ({@code gmial.com} → {@code gmail.com}), from spelling alone:
     * typo domains of the big providers are often registered by others and take mail, which is then lost.
     *
     * @param domain an ASCII, lower-case domain
     */
    public Optional<String> nearPopular(String domain) {
        return knownProvider.test(domain) ? Optional.empty() : nearestPopular(domain);
    }

    /**
     * {@link #nearPopular}, or failing that the domain with a mistyped top-level label fixed
     * ({@code example.con} → {@code example.com}, {@code gmial.con} → {@code gmail.com}).
     *
     * @param domain an ASCII, lower-case domain
     */
    public Optional<String> suggest(String domain) {
        if (knownProvider.test(domain)) {
            return Optional.empty();
        }
        Optional<String> near = nearestPopular(domain);
        if (near.isPresent()) {
            return near;
        }
        Optional<String> fixed = fixTld(domain).map(f -> nearestPopular(f).orElse(f));
        return fixed.isPresent() ? fixed : nearPopularName(domain);
    }

    /**
     * Two mistakes at once, one in each part: the name within its budget of a popular one, and the top-level
     * label one edit from that domain's ({@code yaho.cm} → {@code yahoo.com}). A two-letter label alone is a
     * country code, but next to a popular name misspelt it is one more slip.
     */
    private Optional<String> nearPopularName(String domain) {
        int dot = domain.lastIndexOf('.');
        if (dot < MIN_NAME) {
            return Optional.empty();
        }
        String name = domain.substring(0, dot);
        String tld = domain.substring(dot + 1);
        // Cut once, not for every domain searched: this search runs for each domain with no mail route.
        for (int i = 0; i < names.length; i++) {
            if (Math.abs(name.length() - names[i].length()) <= budgets[i] && distance(tld, topLabels[i], 1) <= 1
                    && distance(name, names[i], budgets[i]) <= budgets[i]) {
                return Optional.of(popular.get(i));
            }
        }
        return Optional.empty();
    }

    /** Whether the domain's top-level label looks mistyped ({@code .con}, {@code .cmo}): one edit from a popular one. */
    public boolean mistypedTld(String domain) {
        return fixTld(domain).isPresent();
    }

    /** Names of fewer letters are never corrected: gm.com, mx.com and ao.com are companies, not typos. */
    private static final int MIN_NAME = 3;

    /** The closest popular domain within its edit budget, the earlier one on a tie. */
    private Optional<String> nearestPopular(String domain) {
        if (domain.indexOf('.') < MIN_NAME) {
            return Optional.empty();
        }
        int best = -1;
        int bestDistance = Integer.MAX_VALUE;
        int length = domain.length();
        for (int l = Math.max(0, length - MAX_BUDGET); l <= Math.min(byLength.length - 1, length + MAX_BUDGET); l++) {
            for (int i : byLength[l]) {
                int budget = budgets[i];
                if (Math.abs(l - length) > budget) {
                    continue;
                }
                int d = distance(domain, popular.get(i), budget);
                if (d <= budget && (d < bestDistance || d == bestDistance && i < best)) {
                    best = i;
                    bestDistance = d;
                }
            }
        }
        return best < 0 ? Optional.empty() : Optional.of(popular.get(best));
    }

    /**
     * By the length of the name before the first dot: two edits from six letters ("hotmial.con"), one
     * from three ("gmial.com"), none below ("qq.com", "me.com"). Two edits from "gmail" or one from "me"
     * reach too many real domains (33mail.com, e-mail.com, my.com).
     */
    private static int budget(String popularDomain) {
        int name = popularDomain.indexOf('.');
        return name >= 6 ? 2 : name >= 3 ? 1 : 0;
    }

    /**
     * The domain with its top-level label replaced by a popular one a single edit away. Labels of two
     * letters are left alone: nearly all of them are real country codes, so "cm" or "co" is likelier
     * meant than a typo of "com".
     */
    private Optional<String> fixTld(String domain) {
        int dot = domain.lastIndexOf('.');
        String tld = domain.substring(dot + 1);
        if (tld.length() < 3 || tlds.contains(tld)) {
            return Optional.empty();
        }
        return tlds.stream().filter(t -> distance(tld, t, 1) <= 1).findFirst()
                .map(t -> domain.substring(0, dot + 1) + t);
    }

    /**
     * Optimal string alignment distance, or {@code max + 1} as soon as it must exceed {@code max}
     * (so a long list costs little: most candidates stop after a row or two).
     */
    static int distance(String a, String b, int max) {
        if (Math.abs(a.length() - b.length()) > max) {
            return max + 1;
        }
        int[] beforePrevious = new int[b.length() + 1];
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMin = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int d = Math.min(Math.min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d = Math.min(d, beforePrevious[j - 2] + 1);
                }
                current[j] = d;
                rowMin = Math.min(rowMin, d);
            }
            if (rowMin > max) {
                return max + 1;
            }
            int[] recycled = beforePrevious;
            beforePrevious = previous;
            previous = current;
            current = recycled;
        }
        return Math.min(previous[b.length()], max + 1);
    }
}
