package dev.mailcheck.cli;

import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.HeldBack;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Counts per verdict and reason, and what the run cost, for standard error at the end of a run. */
final class Summary {

    /** Counts by ordinal: an EnumMap's merge boxed a new Long for each result. */
    private final long[] verdicts = new long[Verdict.values().length];
    private final long[] reasons = new long[Reason.values().length];
    private final DistinctCount domains = new DistinctCount();
    private long total;
    private long mxQueries;
    private long addressQueries;
    private long connections = -1;
    private long rcpts;
    private List<HeldBack> heldBack = List.of();

    void add(CheckResult r) {
        total++;
        verdicts[r.verdict().ordinal()]++;
        reasons[r.reason().ordinal()]++;
        if (r.domain() != null) {
            domains.add(r.domain());
        }
    }

    long total() {
        return total;
    }

    void dns(long mx, long address) {
        mxQueries = mx;
        addressQueries = address;
    }

    void smtp(long connections, long rcpts, List<HeldBack> heldBack) {
        this.connections = connections;
        this.rcpts = rcpts;
        this.heldBack = heldBack;
    }

    String render(Duration elapsed) {
        double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-9);
        StringBuilder s = new StringBuilder();
        long unique = domains.count();
        s.append(String.format(Locale.ROOT, "%,d addresses in %.2f s (%,.0f/s); %s%,d unique domains, %,d MX queries"
                        + " (%.2f per domain), %,d A/AAAA queries%n", total, seconds, total / seconds,
                domains.exact() ? "" : "about ", unique, mxQueries, unique == 0 ? 0.0 : (double) mxQueries / unique,
                addressQueries));
        if (connections >= 0) {
            s.append(String.format(Locale.ROOT, "SMTP: %,d connections, %,d RCPTs (%.1f per connection)%n", connections,
                    rcpts, connections == 0 ? 0.0 : (double) rcpts / connections));
            for (HeldBack h : heldBack) {
                s.append(String.format(Locale.ROOT, "  held back at %s: %,d not tried (block breaker), %,d waited for a"
                        + " budget%n", h.group(), h.notTried(), h.waited()));
            }
        }
        for (Verdict v : Verdict.values()) {
            s.append(String.format(Locale.ROOT, "  %-14s %,10d%n", v.code(), verdicts[v.ordinal()]));
        }
        for (Reason reason : Reason.values()) {
            if (reasons[reason.ordinal()] > 0) {
                s.append(String.format(Locale.ROOT, "    %-18s %,10d  %s%n", reason.code(), reasons[reason.ordinal()],
                        reason.predictedReply()));
            }
        }
        return s.toString();
    }

    /**
     * How many distinct domains a run saw, in bounded memory: the summary only relates MX queries to it, and a
     * list of 10,000,000 addresses may hold millions of domains. Exact up to {@link #EXACT_UP_TO} (a set of
     * them, about 2 MB), then a HyperLogLog estimate (Flajolet et al. 2007, with linear counting for small
     * counts): 2^14 one-byte registers, 16 KiB, a standard error of 1.04/sqrt(2^14), about 0.8%.
     */
    static final class DistinctCount {
        static final int EXACT_UP_TO = 1 << 14;
        private static final int P = 14;
        private static final int M = 1 << P;

        private Set<String> exact = new HashSet<>();
        private byte[] registers;

        void add(String value) {
            if (exact != null) {
                if (exact.add(value) && exact.size() > EXACT_UP_TO) {
                    registers = new byte[M];
                    exact.forEach(this::register);
                    exact = null; // the strings go: from here on only the fixed registers change
                }
            } else {
                register(value);
            }
        }

        boolean exact() {
            return exact != null;
        }

        long count() {
            if (exact != null) {
                return exact.size();
            }
            double sum = 0;
            int zeros = 0;
            for (byte r : registers) {
                sum += Math.scalb(1.0, -r);
                zeros += r == 0 ? 1 : 0;
            }
            double estimate = 0.7213 / (1 + 1.079 / M) * M * (double) M / sum;
            // A 64-bit hash needs no large-range correction; small counts are better told by the empty registers.
            return Math.round(estimate <= 2.5 * M && zeros > 0 ? M * Math.log((double) M / zeros) : estimate);
        }

        private void register(String value) {
            long h = hash(value);
            int index = (int) (h >>> (64 - P));
            int rank = Math.min(Long.numberOfLeadingZeros(h << P), 64 - P) + 1;
            if (rank > registers[index]) {
                registers[index] = (byte) rank;
            }
        }

        /**
         * FNV-1a over the characters, then MurmurHash3's 64-bit finaliser. Not String.hashCode, though the String keeps
         * it and it saved a twentieth of the writing thread's time: its collisions are easily made ("an" and "c0"
         * hash alike, so do all 2^15 domains of fifteen such blocks), and a list made of them counted as one domain.
         */
        private static long hash(String value) {
            long h = 0xcbf29ce484222325L;
            for (int i = 0; i < value.length(); i++) {
                h = (h ^ value.charAt(i)) * 0x100000001b3L;
            }
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            return h ^ h >>> 33;
        }
    }
}
