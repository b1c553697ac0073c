package dev.mailcheck.smtp;

import dev.mailcheck.HeldBack;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The one home of the probe's restraint (docs/smtp-probe.md): whether a provider group is blocked,
 * which refusals trip the block breaker ({@link ReplyMeaning#blockOf} says how clearly a reply blocks
 * the prober, this class how many it takes), and the waits for the budgets of {@link Pacing}. The state
 * it shares with other probers lives behind {@link BreakerState} and {@link RateBudget}.
 */
final class ProbeGuard {

    private static final Logger LOG = Logger.getLogger(ProbeGuard.class.getName());
    /** A vague policy refusal may be one domain's own rule: only a second domain's makes it the IP's block. */
    static final int VAGUE_REFUSALS_TO_TRIP = 2;

    private final Pacing pacing;
    private final ProviderGroups groups;
    private final BreakerState breaker;
    private final RateBudget budget;
    private final InstantSource clock;
    // One entry per group that had something held back: as many as a run's provider groups, no more.
    private final ConcurrentMap<String, LongAdder[]> heldBack = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Integer> waits = new ConcurrentHashMap<>();

    ProbeGuard(Pacing pacing, ProviderGroups groups, BreakerState breaker, RateBudget budget, InstantSource clock) {
        this.pacing = pacing;
        this.groups = groups;
        this.breaker = breaker;
        this.budget = budget;
        this.clock = clock;
    }

    String groupOf(Plan.Target t) {
        return groupOf(t.host());
    }

    String groupOf(String host) {
        return groups.of(host);
    }

    /** The block that keeps the prober from {@code t}'s group now, or null. */
    Block blocked(Plan.Target t) {
        return pacing.breaker() ? breaker.blocked(groupOf(t), clock.instant()) : null;
    }

    /** A reply {@code t} gave while {@code domain} was probed: counted when it refuses the prober itself. */
    void heard(Plan.Target t, String domain, Reply r) {
        ReplyMeaning.Block strength = ReplyMeaning.blockOf(r);
        if (!pacing.breaker() || strength == ReplyMeaning.Block.NONE) {
            return;
        }
        Instant now = clock.instant();
        Block refusal = new Block(groupOf(t), t.host(), t.address().getHostAddress(), r.toSmtpReply(), r.toString(),
                now, now.plus(pacing.coolDown()));
        int needed = strength == ReplyMeaning.Block.CLEAR ? 1 : VAGUE_REFUSALS_TO_TRIP;
        Block b = breaker.refused(refusal, domain, needed, now);
        if (b == refusal) {
            LOG.warning(() -> "block breaker: " + b.host() + " (" + b.address() + ") refused this prober (" + b.text()
                    + "); no contact with provider group " + b.group() + " until " + b.until());
        }
    }

    /** {@code n} addresses answered without a connection because of {@code b}. */
    void notTried(Block b, int n) {
        if (n > 0) {
            counts(b.group())[0].add(n);
        }
    }

    /**
     * Waits for the budgets of one transaction of the addresses {@code held} holds at {@code t}: {@code rcpts} of its
     * provider group's RCPTs and, for a new session, a new session's share of the MX address's budget. An address
     * that waits is marked so ({@link Held#waitedFor}), and is not asked about yet. The RCPTs are reserved once the
     * new session's turn has come: reserved before, their share would be over by the time a long wait for the
     * session let the transaction begin, and they would fall in the shares of those who reserved after them.
     *
     * @return when this transaction's turn, counted from the end of its waits, is over (the shorter of the shares it
     *         reserved; a transaction that has not begun by then is {@link #late}), or null when nobody wants the
     *         answers first (every check waiting for it has passed its deadline)
     */
    Instant awaitBudgets(Plan.Target t, Held held, int rcpts, boolean newSession) {
        String group = groupOf(t);
        Duration turn = null;
        int sessions = pacing.connectsPerMinute();
        if (newSession && sessions > 0) {
            Instant at = budget.reserve("session " + t.address().getHostAddress(), 1, sessions, clock.instant());
            if (!waitUntil(at, group, held, "a new session with " + t.host() + " (" + sessions + "/min per MX address)")) {
                return null;
            }
            turn = RateBudget.share(1, sessions);
        }
        int perMinute = pacing.rcptsPerMinute();
        if (perMinute > 0 && rcpts > 0) {
            Instant at = budget.reserve(rcptKey(group), rcpts, perMinute, clock.instant());
            if (!waitUntil(at, group, held, rcptWait(group))) {
                return null;
            }
            Duration share = RateBudget.share(rcpts, perMinute);
            turn = turn == null || share.compareTo(turn) < 0 ? share : turn;
        }
        return turn == null ? Instant.MAX : clock.instant().plus(turn);
    }

    /** What a session does between its transactions ({@link #awaitNextTransaction}). */
    enum Next { ASK, GIVE_UP_SLOT, NOT_WANTED }

    /**
     * Between two transactions of an open session at {@code t}: waits for the next one's {@code rcpts} RCPTs and
     * reserves them. While the group's budget is more than a slice away nothing is reserved yet, and the session is
     * to give its global slot up ({@link Next#GIVE_UP_SLOT}) as soon as {@code othersWait}: an idle connection must
     * not keep other workers, ready to go, from hosts whose budgets are free (those workers waited for their own
     * budgets before they queued for a slot). The session's addresses then wait in a new one's dialing, without a
     * slot.
     */
    Next awaitNextTransaction(Plan.Target t, Held held, int rcpts, BooleanSupplier othersWait) {
        String group = groupOf(t);
        if (pacing.rcptsPerMinute() > 0 && rcpts > 0) {
            String what = rcptWait(group);
            boolean waiting = false;
            try {
                Duration left;
                while ((left = Duration.between(clock.instant(), budget.nextFree(rcptKey(group))))
                        .compareTo(Hosts.WAIT_SLICE) > 0) {
                    if (!held.wanted()) {
                        return Next.NOT_WANTED;
                    }
                    if (othersWait.getAsBoolean()) {
                        return Next.GIVE_UP_SLOT;
                    }
                    if (!waiting) {
                        waiting = true;
                        startWaiting(group, held, what);
                    }
                    Duration nap = left.minus(Hosts.WAIT_SLICE);
                    Thread.sleep(nap.compareTo(Hosts.WAIT_SLICE) < 0 ? nap : Hosts.WAIT_SLICE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Next.NOT_WANTED;
            } finally {
                if (waiting) {
                    stopWaiting(what);
                }
            }
        }
        return awaitBudgets(t, held, rcpts, false) != null ? Next.ASK : Next.NOT_WANTED;
    }

    /** How far apart a transaction's RCPTs go: one share of the group's RCPT budget each; zero without a budget. */
    Duration rcptEvery() {
        return pacing.rcptsPerMinute() > 0 ? RateBudget.share(1, pacing.rcptsPerMinute()) : Duration.ZERO;
    }

    private static String rcptKey(String group) {
        return "rcpt " + group;
    }

    private String rcptWait(String group) {
        return "RCPTs at " + group + " (" + pacing.rcptsPerMinute() + "/min per provider group)";
    }

    /**
     * True when a transaction whose budgets' share was over at {@code over} has not begun yet (it waited for a global
     * slot after its budgets): its commands would now fall in the shares of those who reserved after it, and once
     * slots free up the late ones would go out together, a burst the budget exists to prevent. Its budgets are then
     * reserved anew.
     */
    boolean late(Instant over) {
        return clock.instant().isAfter(over);
    }

    private boolean waitUntil(Instant at, String group, Held held, String what) {
        if (!clock.instant().isBefore(at)) {
            return true;
        }
        startWaiting(group, held, what);
        try {
            // The last slice may have slept past every held check's deadline.
            return Hosts.sleepUntil(() -> Duration.between(clock.instant(), at), held::wanted) && held.wanted();
        } finally {
            stopWaiting(what);
        }
    }

    /** {@code held} waits for a budget of {@code group}: counted, and named on the progress line. */
    private void startWaiting(String group, Held held, String what) {
        counts(group)[1].add(held.waitedFor(group));
        waits.merge(what, 1, Integer::sum);
    }

    private void stopWaiting(String what) {
        waits.computeIfPresent(what, (k, n) -> n == 1 ? null : n - 1);
    }

    /** What the probe waits for now, for a progress line: null when it waits for no budget. */
    String waitingFor() {
        return waits.keySet().stream().findFirst().map(w -> "waiting for " + w).orElse(null);
    }

    /** Per provider group, what was held back so far, most first. */
    List<HeldBack> heldBack() {
        List<HeldBack> all = new ArrayList<>();
        heldBack.forEach((g, c) -> all.add(new HeldBack(g, c[0].sum(), c[1].sum())));
        return HeldBack.sum(all);
    }

    private LongAdder[] counts(String group) {
        return heldBack.computeIfAbsent(group, g -> new LongAdder[] {new LongAdder(), new LongAdder()});
    }
}
