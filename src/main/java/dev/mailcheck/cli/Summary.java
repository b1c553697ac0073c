package dev.mailcheck.cli;

import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.smtp.HeldBack;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Counts per verdict and reason, and what the run cost, for standard error at the end of a run. */
final class Summary {

    private final Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
    private final Map<Reason, Long> reasons = new EnumMap<>(Reason.class);
    private final Set<String> domains = new HashSet<>();
    private long total;
    private long mxQueries;
    private long addressQueries;
    private long connections = -1;
    private long rcpts;
    private List<HeldBack> heldBack = List.of();

    void add(CheckResult r) {
        total++;
        verdicts.merge(r.verdict(), 1L, Long::sum);
        reasons.merge(r.reason(), 1L, Long::sum);
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
        s.append(String.format(Locale.ROOT, "%,d addresses in %.2f s (%,.0f/s); %,d unique domains, %,d MX queries"
                        + " (%.2f per domain), %,d A/AAAA queries%n", total, seconds, total / seconds, domains.size(),
                mxQueries, domains.isEmpty() ? 0.0 : (double) mxQueries / domains.size(), addressQueries));
        if (connections >= 0) {
            s.append(String.format(Locale.ROOT, "SMTP: %,d connections, %,d RCPTs (%.1f per connection)%n", connections,
                    rcpts, connections == 0 ? 0.0 : (double) rcpts / connections));
            for (HeldBack h : heldBack) {
                s.append(String.format(Locale.ROOT, "  held back at %s: %,d not tried (block breaker), %,d waited for a"
                        + " budget%n", h.group(), h.notTried(), h.waited()));
            }
        }
        for (Verdict v : Verdict.values()) {
            s.append(String.format(Locale.ROOT, "  %-14s %,10d%n", v.code(), verdicts.getOrDefault(v, 0L)));
        }
        reasons.forEach((reason, n) -> s.append(String.format(Locale.ROOT, "    %-18s %,10d  %s%n", reason.code(), n,
                reason.predictedReply())));
        return s.toString();
    }
}
