package dev.mailcheck.smtp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.mailcheck.HeldBack;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.dns.MailDomain;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The SMTP stage: asks each domain's own mail server about its mailboxes, up to RCPT TO or, with
 * {@link SmtpSettings#data()}, up to the 354 that invites the message, and never further. All
 * addresses of a domain share sessions (many RCPTs per transaction, RSET between transactions),
 * which the {@link Dialer} opens: sessions per MX address and in all are limited; an MX address that
 * timed out or refused the connection is skipped for a while ({@link Hosts}), so a tarpit costs one
 * timeout, not one per address or per domain.
 *
 * <p>Who completes what: {@link #probe} puts an address in its domain's queue; a worker takes it into
 * its {@link Held}, and from then on that worker answers it on every path, also when it fails.
 */
public final class SmtpProber implements AutoCloseable {

    /**
     * Transactions before a session is replaced. Each needs an RSET, and Postfix (like others) treats
     * more than 100 RSETs in a session as junk that earns error delays (smtpd_junk_command_limit).
     */
    static final int TRANSACTIONS_PER_SESSION = 20;
    private static final Duration MIN_DOMAIN_TTL = Duration.ofMinutes(1);
    private static final Duration MAX_DOMAIN_TTL = Duration.ofHours(1);

    private final SmtpSettings settings;
    private final ProbeGuard guard;
    private final ExecutorService threads;
    private final Dialer dialer;
    /** Per domain: its plan, queue and catch-all answer, for as long as its DNS answer lives. */
    private final Cache<String, DomainWork> domains = Caffeine.newBuilder()
            .expireAfter(Expiry.creating((String d, DomainWork w) -> w.ttl))
            .maximumSize(100_000)
            .build();
    private final LongAdder rcpts;
    /** This prober going on to DATA, made on first asking. */
    private SmtpProber toData;

    /** A prober with its own breaker and budgets, in this process only. */
    public SmtpProber(SmtpSettings settings, Pacing pacing) {
        this(settings, pacing, new LocalBreakerState(), new LocalRateBudget(), InstantSource.system());
    }

    /**
     * A prober whose breaker state and budgets are {@code breaker} and {@code budget}, shared with whoever
     * else holds them; {@code clock} tells cool-downs and budgets the time.
     */
    public SmtpProber(SmtpSettings settings, Pacing pacing, BreakerState breaker, RateBudget budget,
                      InstantSource clock) {
        this.settings = settings;
        this.guard = new ProbeGuard(pacing, ProviderGroups.bundled(), breaker, budget, clock);
        this.threads = Executors.newVirtualThreadPerTaskExecutor();
        this.dialer = new Dialer(settings, guard);
        this.rcpts = new LongAdder();
    }

    private SmtpProber(SmtpProber of, SmtpSettings settings) {
        this.settings = settings;
        this.guard = of.guard;
        this.threads = of.threads;
        this.dialer = of.dialer;
        this.rcpts = of.rcpts;
    }

    /**
     * This prober going on to DATA and stopping at its 354 (a server with {@code --smtp} asked for
     * {@code smtp_data=true}): it shares this one's breaker, budgets, dialer (session limits in all and per MX
     * address, hosts found dead), threads and counts, so the two together are as polite as one; only its domains'
     * queues are its own, since its sessions end at the 354. Closing either closes both. The same one on every
     * call, so that serve's checks and jobs share its domains' queues and catch-all answers too.
     */
    public synchronized SmtpProber goingToData() {
        if (settings.data()) {
            return this;
        }
        if (toData == null) {
            toData = new SmtpProber(this, settings.withData(true));
        }
        return toData;
    }

    /** Per provider group, the addresses the breaker answered without a connection and those that waited for a budget. */
    public List<HeldBack> heldBack() {
        return guard.heldBack();
    }

    /** What the probe waits for now ("waiting for RCPTs at microsoft (300/min per provider group)"), or null. */
    public String waitingFor() {
        return guard.waitingFor();
    }

    /** Connections opened so far (successful TCP connects). */
    public long connections() {
        return dialer.connections();
    }

    /** RCPT TO commands sent so far, catch-all probes included. */
    public long rcpts() {
        return rcpts.sum();
    }

    /**
     * Probes one address of a domain whose DNS stage found mail hosts. Never completes exceptionally. The
     * caller may complete the future itself (a deadline); the address is then no longer asked about.
     */
    public CompletableFuture<SmtpOutcome> probe(EmailAddress address, MailDomain domain) {
        return probe(address, domain, null, null);
    }

    /**
     * Probes as {@link #probe(EmailAddress, MailDomain)} does, answering by {@code deadline} (nanoTime) at the
     * latest; a session whose every address has passed its deadline is closed. {@code deadlineText} names the
     * deadline in that answer.
     */
    public CompletableFuture<SmtpOutcome> probe(EmailAddress address, MailDomain domain, Long deadline,
                                                String deadlineText) {
        return probe(address, domain, deadline, deadlineText, null);
    }

    /**
     * Probes as {@link #probe(EmailAddress, MailDomain, Long, String)} does, giving the address up once {@code gone}
     * completes (nobody waits for it: the client of serve has left): not asked if it still waits its turn, and a
     * session left with no address anyone waits for ends, as at a deadline.
     */
    public CompletableFuture<SmtpOutcome> probe(EmailAddress address, MailDomain domain, Long deadline,
                                                String deadlineText, CompletionStage<?> gone) {
        if (address.localPart().indexOf('<') >= 0 || address.localPart().indexOf('>') >= 0) {
            return CompletableFuture.completedFuture(Outcomes.unsafeLocalPart());
        }
        DomainWork work = domains.get(domain.domain(), d -> new DomainWork(domain));
        if (work.plan.targets().isEmpty()) {
            return CompletableFuture.completedFuture(Outcomes.noPublicHost(work.plan.refused()));
        }
        Block blocked = blockedEverywhere(work.plan);
        if (blocked != null) {
            guard.notTried(blocked, 1);
            return CompletableFuture.completedFuture(Outcomes.notTried(blocked));
        }
        Pending p = new Pending(address, deadline);
        CompletableFuture<SmtpOutcome> answer = p.answer(deadlineText).thenApply(o -> withGroup(o, p.waitedFor()));
        if (gone != null) {
            gone.thenRun(() -> p.future.complete(Outcomes.givenUp("the client that asked closed its connection before"
                    + " the answer")));
        }
        work.queue.add(p);
        work.startWorkers();
        return answer;
    }

    /**
     * The outcome with the provider group it is counted at and whether it waited for a budget: the group waited
     * for, or the block's, or that of the host that answered; null when no host was reached.
     */
    private SmtpOutcome withGroup(SmtpOutcome o, String waitedFor) {
        SmtpReport r = o.report();
        String group = r.providerGroup() != null ? r.providerGroup() : waitedFor != null ? waitedFor
                : r.host() != null ? guard.groupOf(r.host()) : null;
        return o.withReport(r.heldBack(group, r.notTriedByBreaker(), waitedFor != null));
    }

    /** Lets idle sessions end with QUIT (they linger briefly for more addresses), then stops what is left. */
    @Override
    public void close() {
        threads.shutdown();
        try {
            if (!threads.awaitTermination(settings.linger().toMillis() + 2_000, TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private final class DomainWork {
        final String domain;
        final Plan plan;
        final Duration ttl;
        final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        final AtomicInteger workers = new AtomicInteger();
        final CatchAllTest catchAll = new CatchAllTest();

        DomainWork(MailDomain d) {
            this.domain = d.domain();
            this.plan = Plan.of(d);
            Duration dns = Duration.ofSeconds(d.ttlSeconds());
            this.ttl = dns.compareTo(MIN_DOMAIN_TTL) < 0 ? MIN_DOMAIN_TTL
                    : dns.compareTo(MAX_DOMAIN_TTL) > 0 ? MAX_DOMAIN_TTL : dns;
        }

        /** One worker per domain, more while the queue holds more than the workers' transactions. */
        void startWorkers() {
            while (true) {
                int w = workers.get();
                boolean wanted = w == 0 || w < settings.perHostSessions()
                        && queue.size() > (long) w * settings.rcptsPerTransaction();
                if (!wanted) {
                    return;
                }
                if (workers.compareAndSet(w, w + 1)) {
                    try {
                        threads.execute(() -> work(this));
                    } catch (RejectedExecutionException e) {
                        workers.decrementAndGet();
                        answerQueued(Outcomes.failedUnexpectedly(e));
                        return;
                    }
                }
            }
        }

        /** The RCPTs of a transaction for {@code held}: the catch-all test's too while nobody has claimed it. */
        int rcptsOf(Held held) {
            return held.size() + (catchAll.claimed() ? 0 : 1);
        }

        void answerQueued(SmtpOutcome outcome) {
            List<Pending> all = new ArrayList<>();
            queue.drainTo(all);
            all.forEach(p -> p.future.complete(outcome));
        }

        /**
         * The breaker keeps the prober from this domain's hosts: every address held or queued is answered
         * "not tried", counted before it is answered, so that whoever reads the count after the answers sees it.
         */
        void answerNotTried(Held held, Block b) {
            List<Pending> all = new ArrayList<>(held.takeAll());
            queue.drainTo(all);
            guard.notTried(b, (int) all.stream().filter(p -> !p.future.isDone()).count());
            SmtpOutcome notTried = Outcomes.notTried(b);
            all.forEach(p -> p.future.complete(notTried));
        }
    }

    private void work(DomainWork w) {
        Held held = new Held(settings.rcptsPerTransaction());
        Throwable failed = null;
        try {
            while (held.fill(w.queue, settings.linger())) {
                session(w, held);
            }
        } catch (RuntimeException | Error e) {
            failed = e;
            throw e;
        } finally {
            // Whatever way the worker ends, what it holds is answered: a defect leaves unknowns, not hangs.
            held.answerAll(Outcomes.failedUnexpectedly(failed));
            w.workers.decrementAndGet();
            if (!w.queue.isEmpty()) {
                w.startWorkers();
            }
        }
    }

    /** Opens a session for what {@code held} holds and runs transactions on it until it is used up, idle or broken. */
    private void session(DomainWork w, Held held) {
        Dialer.Opened opened = dialer.open(w.domain, w.plan, held, w.rcptsOf(held));
        if (opened == null) {
            return; // nobody waits for the held addresses any more (their checks passed the deadline)
        }
        if (opened.session == null) {
            // No MX address of the domain works: the same answer for all its addresses.
            if (opened.block != null) {
                w.answerNotTried(held, opened.block);
            } else {
                held.answerAll(opened.failure);
                w.answerQueued(opened.failure);
            }
            return;
        }
        try (opened) {
            SmtpSession s = opened.session;
            Plan.Target target = opened.target;
            for (int n = 0; n < TRANSACTIONS_PER_SESSION; n++) {
                if (n > 0 && !held.fill(w.queue, settings.linger())) {
                    break;
                }
                if (n > 0 && guard.awaitNextTransaction(target, held, w.rcptsOf(held), dialer::othersWait)
                        != ProbeGuard.Next.ASK) {
                    break; // QUIT; what is still held and wanted waits for its budget in the worker's next dialing
                }
                // Looked at after the wait for the budget, which may have lasted long enough for a trip elsewhere.
                Block b = guard.blocked(target);
                if (b != null) {
                    // Another session tripped the breaker for this group: what is left here is not asked.
                    w.answerNotTried(held, b);
                    break;
                }
                Transaction t = new Transaction(s, settings, w.domain, w.catchAll, held, rcpts, guard.rcptEvery(), r -> {
                    guard.heard(target, w.domain, r);
                    return guard.blocked(target) != null;
                });
                try {
                    if (t.run() == Transaction.End.CLOSED) {
                        return;
                    }
                } catch (SessionFailure e) {
                    if (e.reply != null) {
                        guard.heard(target, w.domain, e.reply);
                    }
                    brokeOff(s, opened.host, t, e, held, w);
                    return;
                }
            }
            s.quit();
        }
    }

    /**
     * A session broke off mid-transaction. On a fresh connection that is the host's fault: it is skipped
     * for a while and the addresses asked get an unknown. On a connection that sat idle between
     * transactions it may be the connection's age (an idle timeout, a NAT, a frozen Lambda environment):
     * the host is not marked dead, and each address gets one more try on a new connection.
     */
    private void brokeOff(SmtpSession s, Hosts.Host host, Transaction t, SessionFailure e, Held held, DomainWork w) {
        s.close();
        if (e.abandoned()) {
            held.expireAll();
            return;
        }
        boolean stale = s.reused();
        SmtpOutcome outcome = Outcomes.brokeOff(s, e, w.catchAll.result(Duration.ZERO), t.heard(e));
        if (!stale) {
            host.markDead(outcome.detail());
        }
        held.answerAll(outcome, p -> stale && p.retry());
    }

    /** The block that keeps the prober from every MX address of the plan, or null when one may be tried. */
    private Block blockedEverywhere(Plan plan) {
        Block any = null;
        for (Plan.Target t : plan.targets()) {
            Block b = guard.blocked(t);
            if (b == null) {
                return null;
            }
            any = b;
        }
        return any;
    }
}
