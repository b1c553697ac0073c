package dev.mailcheck.store;

import dev.mailcheck.Verdict;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/** How many results a job, or one chunk of it, produced, and how many of each verdict. */
public record Tally(long total, Map<Verdict, Long> counts) {

    public static final Tally EMPTY = new Tally(0, Map.of());

    public Tally {
        counts = counts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(counts));
    }

    public static Tally sum(Collection<Tally> tallies) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        long total = 0;
        for (Tally t : tallies) {
            total += t.total;
            t.counts.forEach((v, n) -> counts.merge(v, n, Long::sum));
        }
        return new Tally(total, counts);
    }
}
