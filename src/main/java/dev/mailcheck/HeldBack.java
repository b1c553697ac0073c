package dev.mailcheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the SMTP probe held back for one provider group, for a run or a job (docs/smtp-probe.md).
 *
 * @param group    the provider group
 * @param notTried addresses answered without a connection because the block breaker had tripped
 * @param waited   addresses that waited for a budget (new sessions per MX address, RCPTs per group)
 */
public record HeldBack(String group, long notTried, long waited) {

    /**
     * Groups reported by name, at most: a host in no provider group is a group of its own, and a job over many
     * such hosts must still fit a DynamoDB item (400 KB) and an EventBridge event (256 KB).
     */
    public static final int MOST_GROUPS = 50;
    /** The groups past {@link #MOST_GROUPS}, summed; parentheses make it no host name, so no group's name. */
    public static final String OTHER_GROUPS = "(other groups)";

    /**
     * The counts of each group summed, most held back first (then by name): the order every report uses; past
     * {@link #MOST_GROUPS} the rest are summed as {@link #OTHER_GROUPS}, the last entry.
     */
    public static List<HeldBack> sum(Iterable<HeldBack> counts) {
        Counts sum = new Counts();
        counts.forEach(sum::add);
        return sum.list();
    }

    /** Counts added up per group as they come (one per address, or per chunk), in memory bounded by the groups. */
    public static final class Counts {

        private final Map<String, long[]> byGroup = new TreeMap<>();

        public void add(HeldBack h) {
            long[] n = byGroup.computeIfAbsent(h.group, g -> new long[2]);
            n[0] += h.notTried;
            n[1] += h.waited;
        }

        /** What was added, in the order and bound of {@link HeldBack#sum}. */
        public List<HeldBack> list() {
            long[] other = byGroup.get(OTHER_GROUPS); // always last, whatever its size: a sum of sums keeps its order
            List<HeldBack> all = new ArrayList<>(byGroup.size());
            byGroup.forEach((g, n) -> {
                if (!g.equals(OTHER_GROUPS)) {
                    all.add(new HeldBack(g, n[0], n[1]));
                }
            });
            all.sort(Comparator.comparingLong((HeldBack h) -> -(h.notTried + h.waited)).thenComparing(HeldBack::group));
            int named = other == null && all.size() <= MOST_GROUPS ? all.size() : Math.min(all.size(), MOST_GROUPS - 1);
            if (named < all.size() || other != null) {
                List<HeldBack> rest = all.subList(named, all.size());
                long notTried = (other == null ? 0 : other[0]) + rest.stream().mapToLong(HeldBack::notTried).sum();
                long waited = (other == null ? 0 : other[1]) + rest.stream().mapToLong(HeldBack::waited).sum();
                rest.clear();
                all.add(new HeldBack(OTHER_GROUPS, notTried, waited));
            }
            return List.copyOf(all);
        }
    }
}
