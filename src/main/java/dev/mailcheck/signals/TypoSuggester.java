package dev.mailcheck.signals;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Guesses which popular mail domain a mistyped one meant: {@code gmial.com} → {@code gmail.com},
 * {@code hotmial.con} → {@code hotmail.com}, and fixes a mistyped top-level domain on any domain
 * ({@code example.con} → {@code example.com}). Distances are optimal string alignment (Damerau–
 * Levenshtein without re-editing a substring): an insertion, deletion, substitution or swap of two
 * neighbours each count 1. A mail provider's own domain ({@code yahoo.ca}, {@code email.com}) is never
 * corrected. Which of the two guesses is wanted is {@link SignalCheck}'s call, made on the DNS answer.
 */
public final class TypoSuggester {

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
    private final Pattern[] tldPatterns;
    /** Each popular domain, by its position in {@link #popular}. */
    private final Pattern[] patterns;
    /** Each popular domain cut at its last dot, by its position in {@link #popular}: what {@link #nearPopularName} compares. */
    private final Pattern[] names;
    private final Pattern[] topLabels;

    /**
     * @param popular       the domains to correct towards, most used first (the first wins a tie): ASCII, of at
     *                      most 64 characters each (one bit of a {@code long} per character)
     * @param knownProvider whether a domain is a mail provider's own, never to be corrected
     */
    public TypoSuggester(List<String> popular, Predicate<String> knownProvider) {
        this.popular = List.copyOf(popular);
        this.knownProvider = knownProvider;
        this.budgets = this.popular.stream().mapToInt(TypoSuggester::budget).toArray();
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
        this.tldPatterns = this.tlds.stream().map(Pattern::new).toArray(Pattern[]::new);
        this.patterns = this.popular.stream().map(Pattern::new).toArray(Pattern[]::new);
        this.names = this.popular.stream().map(d -> new Pattern(d.substring(0, d.lastIndexOf('.')))).toArray(Pattern[]::new);
        this.topLabels = this.popular.stream().map(d -> tldPatterns[this.tlds.indexOf(d.substring(d.lastIndexOf('.') + 1))])
                .toArray(Pattern[]::new);
    }

    /** On the bundled lists. */
    public static TypoSuggester bundled() {
        DomainLists lists = DomainLists.bundled();
        return new TypoSuggester(lists.popular(), lists::knownProvider);
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
        long nameLetters = letters(domain, 0, dot);
        long tldLetters = letters(domain, dot + 1, domain.length());
        int tldLength = domain.length() - dot - 1;
        for (int i = 0; i < names.length; i++) {
            if (names[i].mayBeWithin(nameLetters, dot, budgets[i]) && topLabels[i].mayBeWithin(tldLetters, tldLength, 1)
                    && topLabels[i].distance(domain, dot + 1, domain.length()) <= 1
                    && names[i].distance(domain, 0, dot) <= budgets[i]) {
                return Optional.of(popular.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * The domain meant by what was typed after the {@code @} of an address that is not one at all: a comma or
     * doubled dot for a dot, a dot left at either end, a popular name without its dot or its top-level label
     * ({@code gmail,com}, {@code gmail..com}, {@code gmail.}, {@code gmailcom}, {@code gmail} → {@code gmail.com}),
     * then {@link #suggest}'s corrections. Empty when no repair applies.
     *
     * @param typed the text after the last {@code @}, as typed
     */
    public Optional<String> repair(String typed) {
        String d = typed.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[,;]", ".").replaceAll("\\.{2,}", ".")
                .replaceAll("^\\.+|\\.+$", "");
        if (d.isEmpty() || !d.matches("[a-z0-9.-]+")) {
            return Optional.empty();
        }
        if (d.indexOf('.') < 0) {
            String bare = d;
            Optional<String> named = popular.stream().filter(p -> p.substring(0, p.indexOf('.')).equals(bare)).findFirst();
            if (named.isEmpty()) {
                named = tlds.stream().filter(t -> bare.length() >= t.length() + MIN_NAME && bare.endsWith(t))
                        .map(t -> bare.substring(0, bare.length() - t.length()) + "." + t).findFirst();
            }
            if (named.isEmpty()) {
                return Optional.empty();
            }
            d = named.get();
        }
        Optional<String> corrected = suggest(d);
        return corrected.isPresent() || d.equals(typed) ? corrected : Optional.of(d);
    }

    /** Whether the domain's top-level label looks mistyped ({@code .con}, {@code .cmo}): one edit from a popular one. */
    public boolean mistypedTld(String domain) {
        return fixTld(domain).isPresent();
    }

    /** Names of fewer letters are never corrected: gm.com, mx.com and ao.com are companies, not typos. */
    static final int MIN_NAME = 3;

    /** The closest popular domain within its edit budget, the earlier one on a tie. */
    private Optional<String> nearestPopular(String domain) {
        if (domain.indexOf('.') < MIN_NAME) {
            return Optional.empty();
        }
        int best = -1;
        int bestDistance = Integer.MAX_VALUE;
        int length = domain.length();
        long letters = letters(domain, 0, length);
        for (int l = Math.max(0, length - MAX_BUDGET); l <= Math.min(byLength.length - 1, length + MAX_BUDGET); l++) {
            for (int i : byLength[l]) {
                if (!patterns[i].mayBeWithin(letters, length, budgets[i])) {
                    continue;
                }
                int d = patterns[i].distance(domain, 0, length);
                if (d <= budgets[i] && (d < bestDistance || d == bestDistance && i < best)) {
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
        int from = domain.lastIndexOf('.') + 1;
        int length = domain.length() - from;
        if (length < 3) {
            return Optional.empty();
        }
        long letters = letters(domain, from, domain.length());
        Pattern fix = null;
        for (Pattern t : tldPatterns) {
            if (t.text.length() == length && domain.startsWith(t.text, from)) {
                return Optional.empty(); // a popular label already
            }
            if (fix == null && t.mayBeWithin(letters, length, 1) && t.distance(domain, from, domain.length()) <= 1) {
                fix = t;
            }
        }
        return fix == null ? Optional.empty() : Optional.of(domain.substring(0, from) + fix.text);
    }

    /**
     * Optimal string alignment distance, or {@code max + 1} when it is larger.
     *
     * @param a at most 64 characters
     */
    static int distance(String a, String b, int max) {
        return Math.min(a.isEmpty() ? b.length() : new Pattern(a).distance(b, 0, b.length()), max + 1);
    }

    /**
     * The characters of {@code s} from {@code from} to {@code to} as a set of 64 classes: a-z, 0-9, the dot and the
     * hyphen one class each, all else in 26 more. A class of a popular domain absent from a domain costs an edit.
     */
    static long letters(String s, int from, int to) {
        long set = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            int bit = c >= 'a' && c <= 'z' ? c - 'a' : c >= '0' && c <= '9' ? 26 + c - '0' : c == '.' ? 36 : c == '-' ? 37
                    : 38 + c % 26;
            set |= 1L << bit;
        }
        return set;
    }

    /**
     * A popular domain, or a part of one, made ready to be compared with many: a bit mask of its positions for each
     * character, for Hyyrö's bit-parallel optimal string alignment (one word operation per character of the other
     * string, where the table of edits took one step per pair of characters and three arrays per call), and its set of
     * {@link #letters} for a filter that rules out most popular domains in one instruction.
     */
    private static final class Pattern {

        final String text;
        private final long letters;
        private final long[] positions = new long[128];

        Pattern(String text) {
            if (text.isEmpty() || text.length() > Long.SIZE || !text.chars().allMatch(c -> c < positions.length)) {
                throw new IllegalArgumentException("not 1 to 64 ASCII characters: " + text);
            }
            this.text = text;
            for (int i = 0; i < text.length(); i++) {
                positions[text.charAt(i)] |= 1L << i;
            }
            this.letters = letters(text, 0, text.length());
        }

        /**
         * False only when {@code s} of {@code length} characters and {@code sLetters} is surely more than {@code max}
         * edits away: by its length, or by the classes of this text it lacks (an edit removes or replaces one
         * character; a swap keeps both).
         */
        boolean mayBeWithin(long sLetters, int length, int max) {
            return Math.abs(length - text.length()) <= max && Long.bitCount(letters & ~sLetters) <= max;
        }

        /**
         * The optimal string alignment distance to {@code s} from {@code from} to {@code to} (Hyyrö, "A bit-vector
         * algorithm for computing Levenshtein and Damerau edit distances", 2003): the vertical deltas of the table's
         * column in two words, one column per character of {@code s}.
         */
        int distance(String s, int from, int to) {
            long plus = -1L;
            long minus = 0;
            long zero = 0;
            long previousMatch = 0;
            long last = 1L << (text.length() - 1);
            int score = text.length();
            for (int j = from; j < to; j++) {
                char c = s.charAt(j);
                long match = c < positions.length ? positions[c] : 0;
                long swap = ((~zero & match) << 1) & previousMatch;
                zero = (((match & plus) + plus) ^ plus) | match | minus | swap;
                long hPlus = minus | ~(zero | plus);
                long hMinus = zero & plus;
                score += ((hPlus & last) != 0 ? 1 : 0) - ((hMinus & last) != 0 ? 1 : 0);
                hPlus = (hPlus << 1) | 1;
                hMinus <<= 1;
                plus = hMinus | ~(zero | hPlus);
                minus = hPlus & zero;
                previousMatch = match;
            }
            return score;
        }
    }
}
