package dev.mailcheck.store;

import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How many results a job, or one chunk of it, produced, how many of each verdict, and per provider group what
 * the SMTP probe held back for them (most first; empty when nothing was).
 */
public record Tally(long total, Map<Verdict, Long> counts, List<HeldBack> heldBack) {

    public static final Tally EMPTY = new Tally(0, Map.of());

    public Tally {
        counts = counts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(counts));
        heldBack = List.copyOf(heldBack);
    }

    /** A tally with nothing held back. */
    public Tally(long total, Map<Verdict, Long> counts) {
        this(total, counts, List.of());
    }

    public static Tally sum(Collection<Tally> tallies) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        List<HeldBack> heldBack = new ArrayList<>();
        long total = 0;
        for (Tally t : tallies) {
            total += t.total;
            t.counts.forEach((v, n) -> counts.merge(v, n, Long::sum));
            heldBack.addAll(t.heldBack);
        }
        return new Tally(total, counts, HeldBack.sum(heldBack));
    }
}
