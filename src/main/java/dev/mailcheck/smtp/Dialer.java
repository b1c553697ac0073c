package dev.mailcheck.smtp;

import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opens the sessions of the SMTP stage: for a domain's held addresses, the first of its MX addresses, in
 * preference order, that takes a session. It owns the limits on sessions (per MX address in {@link Hosts},
 * in all here), skips an address the breaker keeps the prober from or that was found dead, falls back to
 * plain SMTP where a TLS handshake failed, and says why no address gave a session. Apart from
 * {@link SmtpProber}, which runs transactions on what it opens, because which host to dial and which
 * slots that takes is a decision of its own, with its own failure paths.
 */
final class Dialer {

    private final SmtpSettings settings;
    private final ProbeGuard guard;
    private final Semaphore sessions;
    private final Hosts hosts;
    private final LongAdder connections = new LongAdder();

    Dialer(SmtpSettings settings, ProbeGuard guard) {
        this.settings = settings;
        this.guard = guard;
        this.sessions = new Semaphore(settings.sessions());
        this.hosts = new Hosts(settings.perHostSessions());
    }

    /** Connections opened so far (successful TCP connects). */
    long connections() {
        return connections.sum();
    }

    /** Some worker waits for a global slot (its budgets already waited for). */
    boolean othersWait() {
        return sessions.hasQueuedThreads();
    }

    /**
     * A session and the slots it holds, or (session null) why no MX address gave one: a failure, or the
     * block that kept the prober from every one of them.
     */
    final class Opened implements AutoCloseable {
        final SmtpSession session;
        final Hosts.Host host;
        final Plan.Target target;
        final SmtpOutcome failure;
        final Block block;

        Opened(SmtpSession session, Hosts.Host host, Plan.Target target) {
            this.session = session;
            this.host = host;
            this.target = target;
            this.failure = null;
            this.block = null;
        }

        Opened(SmtpOutcome failure, Block block) {
            this.session = null;
            this.host = null;
            this.target = null;
            this.failure = failure;
            this.block = block;
        }

        @Override
        public void close() {
            session.close();
            host.leave();
            sessions.release();
        }
    }

    /**
     * A session with the first MX address that takes one, in preference order, for a first transaction of
     * {@code rcpts} RCPTs, or null when nobody waits any more. Waits for the address's slot first, then for its
     * budgets, then for a global slot, so that a worker never holds a global slot while it queues for a busy host
     * or a budget, except to reserve its budgets anew when the wait for a global slot made it late for them.
     */
    Opened open(String domain, Plan plan, Held held, int rcpts) {
        SessionFailure last = null;
        Plan.Target lastTarget = null;
        String brokeProtocol = null;
        Block blocked = null;
        for (Plan.Target t : plan.targets()) {
            Block b = guard.blocked(t);
            if (b != null) {
                blocked = b;
                continue; // the breaker keeps the prober from this host's provider group
            }
            Hosts.Host host = hosts.of(t.address());
            if (!host.enter(held::wanted)) {
                if (!held.wanted()) {
                    return null;
                }
                brokeProtocol = brokeProtocol != null ? brokeProtocol : host.brokeProtocol();
                continue; // dead, or found dead while waiting
            }
            SmtpSession s = null;
            SessionFailure failed = null;
            boolean slot = false;
            // Every way out without a session gives the slots back, an exception of the shared breaker or budgets (a
            // store's outage) too: a slot kept would keep every later session from this address.
            try {
                Instant budgetsOver = guard.awaitBudgets(t, held, rcpts, true);
                if (budgetsOver == null) {
                    return null;
                }
                slot = Hosts.acquire(sessions, held::wanted);
                if (!slot || guard.late(budgetsOver) && guard.awaitBudgets(t, held, rcpts, true) == null) {
                    return null;
                }
                b = guard.blocked(t); // the breaker may have tripped while this worker waited
                if (b == null && !host.isDead()) { // it may have died while this worker waited for a global slot
                    held.tried();
                    s = connect(t, host, held);
                }
            } catch (SessionFailure e) {
                if (e.abandoned()) {
                    held.expireAll();
                    return null;
                }
                failed = e;
                if (e.reply == null) {
                    // before the slot is given back, so that no waiter dials it next
                    host.markDead(e.unreachable() ? null : Outcomes.noSession(domain, t, e).detail());
                } else {
                    guard.heard(t, domain, e.reply);
                }
            } finally {
                if (s == null) {
                    host.leave();
                    if (slot) {
                        sessions.release();
                    }
                }
            }
            if (s != null) {
                return new Opened(s, host, t);
            }
            if (b != null) {
                blocked = b;
            }
            if (failed == null && brokeProtocol == null) {
                brokeProtocol = host.brokeProtocol(); // found dead after the wait for a global slot
            }
            if (failed != null) {
                last = failed;
                lastTarget = t;
                if (ReplyMeaning.endsTheDomain(failed.reply)) {
                    break;
                }
            }
        }
        if (last != null) {
            return new Opened(Outcomes.noSession(domain, lastTarget, last), null);
        }
        return blocked != null ? new Opened(null, blocked)
                : new Opened(Outcomes.everyHostDead(domain, brokeProtocol), null);
    }

    private SmtpSession connect(Plan.Target t, Hosts.Host host, Held held) throws SessionFailure {
        SessionFailure tls;
        try {
            SmtpSession s = SmtpSession.open(t.host(), t.address(), settings, settings.starttls() && !host.tlsBroken(),
                    held.until());
            connections.increment();
            return s;
        } catch (SessionFailure e) {
            if (e.stage != Stage.CONNECT) {
                connections.increment();
            }
            if (e.stage != Stage.STARTTLS || e.reply != null || e.abandoned()) {
                throw e;
            }
            tls = e;
        }
        // The TLS handshake failed: this host gets plain SMTP from now on. The plain retry is a new connection, so
        // a new session of the MX address's budget (the server counts connections): it waits for its share,
        // holding the slots (a short wait: only this address's few other session slots reserve from that budget).
        host.markTlsBroken();
        if (guard.awaitBudgets(t, held, 0, true) == null) {
            throw new SessionFailure(Stage.CONNECT, null,
                    new StageDeadlines.Abandoned("the checks waiting for this session reached their deadline"),
                    tls.transcript, tls.replies);
        }
        SmtpSession s = SmtpSession.openPlain(t.host(), t.address(), settings, tls, held.until());
        connections.increment();
        return s;
    }
}
