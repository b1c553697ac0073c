package dev.mailcheck.smtp;

import dev.mailcheck.Reason;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.dns.AddressGuard;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.smtp.SmtpReport.CatchAll;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The SMTP stage: asks each domain's own mail server about its mailboxes, up to RCPT TO or, with
 * {@link SmtpSettings#data()}, up to the 354 that invites the message, and never further. All
 * addresses of a domain share sessions (many RCPTs per transaction, RSET between transactions);
 * sessions per MX address and in all are limited; an MX address that timed out or refused the
 * connection is skipped for the rest of the run, so a tarpit costs one timeout, not one per address.
 */
public final class SmtpProber implements AutoCloseable {

    private static final long DEAD_HOST_NANOS = TimeUnit.MINUTES.toNanos(5);
    /**
     * Transactions before a session is replaced. Each needs an RSET, and Postfix (like others) treats
     * more than 100 RSETs in a session as junk that earns error delays (smtpd_junk_command_limit).
     */
    static final int TRANSACTIONS_PER_SESSION = 20;

    private final SmtpSettings settings;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore sessions;
    private final ConcurrentHashMap<InetAddress, Semaphore> perHost = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, Long> deadUntil = new ConcurrentHashMap<>();
    private final Set<InetAddress> tlsBroken = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, DomainWork> domains = new ConcurrentHashMap<>();
    private final LongAdder connections = new LongAdder();
    private final LongAdder rcpts = new LongAdder();

    public SmtpProber(SmtpSettings settings) {
        this.settings = settings;
        this.sessions = new Semaphore(settings.sessions());
    }

    /** Connections opened so far (successful TCP connects). */
    public long connections() {
        return connections.sum();
    }

    /** RCPT TO commands sent so far, catch-all probes included. */
    public long rcpts() {
        return rcpts.sum();
    }

    /** Probes one address of a domain whose DNS stage found mail hosts. Never completes exceptionally. */
    public CompletableFuture<SmtpOutcome> probe(EmailAddress address, MailDomain domain) {
        if (address.localPart().indexOf('<') >= 0 || address.localPart().indexOf('>') >= 0) {
            return CompletableFuture.completedFuture(notProbed(Reason.UNVERIFIABLE,
                    "The local part contains < or >, which the prober never puts in an SMTP command."));
        }
        DomainWork work = domains.computeIfAbsent(domain.domain(), d -> new DomainWork(d, targets(domain)));
        if (work.targets.isEmpty()) {
            return CompletableFuture.completedFuture(notProbed(Reason.MX_PRIVATE_ADDRESS, work.refused));
        }
        CompletableFuture<SmtpOutcome> future = new CompletableFuture<>();
        work.queue.add(new Pending(address, future));
        work.startWorkers();
        return future;
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

    private record Target(String host, InetAddress address) {
    }

    private record Pending(EmailAddress address, CompletableFuture<SmtpOutcome> future) {
    }

    private final class DomainWork {
        final String domain;
        final List<Target> targets = new ArrayList<>();
        String refused;
        final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        final AtomicInteger workers = new AtomicInteger();
        final AtomicBoolean catchAllClaimed = new AtomicBoolean();
        final CompletableFuture<CatchAll> catchAll = new CompletableFuture<>();

        DomainWork(String domain, List<Target> all) {
            this.domain = domain;
            for (Target t : all) {
                String why = settings.allowPrivateMx() ? null : AddressGuard.refusal(t.address);
                if (why == null) {
                    targets.add(t);
                } else if (refused == null) {
                    refused = "The MX host " + t.host + " of " + domain + " resolves to " + t.address.getHostAddress()
                            + ", a " + why + " address; the prober does not connect there.";
                }
            }
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
                    threads.execute(() -> work(this));
                }
            }
        }
    }

    private void work(DomainWork w) {
        try {
            sessions.acquireUninterruptibly();
            try {
                runSessions(w);
            } finally {
                sessions.release();
            }
        } catch (RuntimeException | Error e) {
            // A defect here must not strand an address: whatever is queued gets an unknown.
            failAll(w, new ArrayDeque<>(), Reason.SMTP_PROTOCOL_ERROR, "The SMTP stage failed unexpectedly: " + e,
                    null, null);
            throw e;
        } finally {
            w.workers.decrementAndGet();
            if (!w.queue.isEmpty()) {
                w.startWorkers();
            }
        }
    }

    private void runSessions(DomainWork w) {
        Deque<Pending> carry = new ArrayDeque<>();
        while (true) {
            Pending first = carry.isEmpty() ? pollLinger(w) : carry.poll();
            if (first == null) {
                return;
            }
            carry.addFirst(first);
            Opened opened = open(w);
            if (opened.session == null) {
                failAll(w, carry, opened.reason, opened.detail, opened.reply, opened.report);
                continue;
            }
            try (SmtpSession session = opened.session) {
                boolean usable = true;
                for (int n = 0; usable && n < TRANSACTIONS_PER_SESSION; n++) {
                    List<Pending> batch = take(w, carry);
                    if (batch.isEmpty()) {
                        break;
                    }
                    usable = transaction(session, w, batch, carry);
                }
                if (usable) {
                    session.quit();
                }
            } finally {
                opened.permit.release();
            }
        }
    }

    private Pending pollLinger(DomainWork w) {
        try {
            return w.queue.poll(settings.linger().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The next transaction's recipients: those carried over first, then the queue, waiting a little for more. */
    private List<Pending> take(DomainWork w, Deque<Pending> carry) {
        List<Pending> batch = new ArrayList<>();
        while (batch.size() < settings.rcptsPerTransaction() && !carry.isEmpty()) {
            batch.add(carry.poll());
        }
        if (batch.isEmpty()) {
            Pending p = pollLinger(w);
            if (p == null) {
                return batch;
            }
            batch.add(p);
        }
        w.queue.drainTo(batch, settings.rcptsPerTransaction() - batch.size());
        return batch;
    }

    private record Opened(SmtpSession session, Semaphore permit, Reason reason, String detail, Reply reply,
                          SmtpReport report) {
    }

    /** A session with the first MX address that takes one, in preference order. */
    private Opened open(DomainWork w) {
        SessionFailure last = null;
        Target lastTarget = null;
        for (Target t : w.targets) {
            Long dead = deadUntil.get(t.address);
            if (dead != null && System.nanoTime() - dead < 0) {
                continue;
            }
            Semaphore permit = perHost.computeIfAbsent(t.address, a -> new Semaphore(settings.perHostSessions()));
            permit.acquireUninterruptibly();
            SessionFailure e;
            try {
                SmtpSession s = SmtpSession.open(t.host, t.address, settings,
                        settings.starttls() && !tlsBroken.contains(t.address));
                connections.increment();
                return new Opened(s, permit, null, null, null, null);
            } catch (SessionFailure failed) {
                e = failed;
            }
            if (e.stage != Stage.CONNECT) {
                connections.increment();
            }
            if (e.stage == Stage.STARTTLS && e.reply == null) {
                // The TLS handshake failed: this host gets plain SMTP from now on.
                tlsBroken.add(t.address);
                try {
                    SmtpSession s = SmtpSession.open(t.host, t.address, settings, false);
                    connections.increment();
                    s.starttls = SmtpReport.StartTls.FAILED;
                    s.transcript.addAll(0, e.transcript);
                    return new Opened(s, permit, null, null, null, null);
                } catch (SessionFailure again) {
                    e = again;
                }
            }
            permit.release();
            last = e;
            lastTarget = t;
            if (e.reply == null) {
                deadUntil.put(t.address, System.nanoTime() + DEAD_HOST_NANOS);
            } else if (!e.reply.transientNegative()) {
                // A 5xx greeting or HELO refusal is the domain's answer; other hosts would say the same.
                break;
            }
        }
        if (last == null) {
            return new Opened(null, null, Reason.SMTP_UNREACHABLE, "Every MX host of " + w.domain
                    + " failed earlier in this run (timeout or refused connection); not tried again.", null,
                    report(null, Stage.CONNECT, List.of(), List.of()));
        }
        SmtpReport report = report(lastTarget, last.stage, last.replies, last.transcript);
        if (last.reply != null) {
            Reason reason = ReplyMeaning.ofSession(last.reply);
            return new Opened(null, null, reason, lastTarget.host + " refused the session at "
                    + last.stage.code() + ": " + last.reply, last.reply, report);
        }
        return new Opened(null, null, last.unreachable() ? Reason.SMTP_UNREACHABLE : Reason.SMTP_PROTOCOL_ERROR,
                "No MX host of " + w.domain + " could be used; the last, " + lastTarget.host + " ("
                        + lastTarget.address.getHostAddress() + "), failed at " + last.stage.code() + ": "
                        + describe(last.getCause()), null, report);
    }

    /**
     * One MAIL transaction on an open session. Completes the futures it answers, puts back in
     * {@code carry} those it could not ask about, and says whether the session can go on.
     */
    private boolean transaction(SmtpSession s, DomainWork w, List<Pending> batch, Deque<Pending> carry) {
        List<String> head = new ArrayList<>();
        List<Reply> headReplies = new ArrayList<>();
        boolean needUtf8 = batch.stream().anyMatch(p -> p.address.smtpUtf8());
        boolean utf8 = needUtf8 && s.extensions.contains("SMTPUTF8");
        List<Pending> asked = new ArrayList<>();
        for (Pending p : batch) {
            if (p.address.smtpUtf8() && !utf8) {
                complete(p, s, Reason.SMTPUTF8_UNSUPPORTED, s.host + " does not offer SMTPUTF8, which the non-ASCII"
                        + " local part needs.", null, Stage.EHLO, head, headReplies, List.of(), List.of(), null);
            } else {
                asked.add(p);
            }
        }
        if (asked.isEmpty()) {
            return true;
        }
        Reply[] answers = new Reply[asked.size()];
        List<List<String>> own = new ArrayList<>();
        boolean accepted = false;
        int errors = 0;
        Stage reached = Stage.RCPT;
        List<String> tail = new ArrayList<>();
        List<Reply> tailReplies = new ArrayList<>();
        try {
            Reply mail = s.command(Stage.MAIL, "MAIL FROM:<" + settings.mailFrom() + ">" + (utf8 ? " SMTPUTF8" : ""),
                    head, headReplies);
            if (!mail.positive()) {
                for (Pending p : asked) {
                    complete(p, s, ReplyMeaning.ofSession(mail), s.host + " refused the sender at MAIL FROM: " + mail,
                            mail, Stage.MAIL, head, headReplies, List.of(), List.of(), null);
                }
                return mail.code() != 421 && reset(s);
            }
            if (w.catchAllClaimed.compareAndSet(false, true)) {
                errors += probeCatchAll(s, w, head, headReplies);
            }
            // With PIPELINING (RFC 2920) RCPTs go out in groups, as many as the error budget allows, so that
            // even a group refused whole keeps the session below the server's error limits.
            boolean pipelining = s.extensions.contains("PIPELINING");
            int i = 0;
            boolean stop = false;
            while (!stop && i < asked.size() && errors < settings.errorsPerSession()) {
                int group = pipelining ? Math.min(asked.size() - i, settings.errorsPerSession() - errors) : 1;
                List<String> commands = new ArrayList<>();
                List<List<String>> logs = new ArrayList<>();
                for (int k = 0; k < group; k++) {
                    commands.add("RCPT TO:<" + asked.get(i + k).address.normalized() + ">");
                    logs.add(new ArrayList<>());
                }
                List<Reply> replies = s.pipeline(Stage.RCPT, commands, logs, new ArrayList<>());
                rcpts.add(group);
                for (int k = 0; k < group && !stop; k++) {
                    Reply r = replies.get(k);
                    if (accepted && (r.code() == 452 || "5.3".equals(r.subjectDetail()))) {
                        stop = true; // too many recipients: this one and the rest go in the next transaction
                        continue;
                    }
                    answers[i] = r;
                    own.add(logs.get(k));
                    accepted |= r.positive();
                    errors += r.positive() ? 0 : 1;
                    i++;
                    stop = r.code() == 421;
                }
            }
            for (int j = asked.size() - 1; j >= i; j--) {
                carry.addFirst(asked.get(j));
            }
            boolean closing = errors >= settings.errorsPerSession() || i > 0 && answers[i - 1] != null && answers[i - 1].code() == 421;
            Reply data = null;
            if (settings.data() && accepted && !closing) {
                data = s.command(Stage.DATA, "DATA", tail, tailReplies);
                if (data.code() == 354) {
                    reached = Stage.DATA_354;
                    tail.add("closed the connection without sending anything after 354 (no message was sent)");
                } else if (data.positive()) {
                    tail.add("DATA answered " + data.code() + " instead of 354: connection closed at once");
                } else {
                    reached = Stage.DATA;
                }
            }
            CatchAll catchAll = catchAllOf(w);
            for (int j = 0; j < i; j++) {
                Reply r = answers[j];
                Reason reason = ReplyMeaning.ofRcpt(r);
                Reply decisive = r;
                Stage stage = Stage.RCPT;
                if (reason == Reason.MAILBOX_ACCEPTED && data != null) {
                    stage = reached;
                    if (!data.positive() && data.code() != 354) {
                        reason = ReplyMeaning.ofSession(data);
                        decisive = data;
                    }
                }
                if (reason == Reason.MAILBOX_ACCEPTED && catchAll == CatchAll.ACCEPTS_ALL) {
                    reason = Reason.ACCEPT_ALL;
                }
                List<String> transcript = new ArrayList<>(own.get(j));
                if (r.positive()) {
                    transcript.addAll(tail);
                }
                complete(asked.get(j), s, reason, explain(reason, s.host, decisive, catchAll), decisive, stage, head,
                        headReplies, transcript, r.positive() && data != null ? List.of(r, data) : List.of(r),
                        catchAll);
            }
            if (data != null || closing) {
                // After DATA (354 or not) the only safe way on is a new connection; likewise once the
                // server is counting our errors or said 421.
                s.close();
                return false;
            }
            return reset(s);
        } catch (SessionFailure e) {
            // Timeout, dropped connection or garbage mid-transaction: every address not yet answered is an
            // unknown now, and the host is skipped for a while so that the next try costs nothing.
            deadUntil.put(s.address, System.nanoTime() + DEAD_HOST_NANOS);
            if (w.catchAllClaimed.get() && !w.catchAll.isDone()) {
                w.catchAll.complete(CatchAll.INCONCLUSIVE);
            }
            for (int j = 0; j < asked.size(); j++) {
                Pending p = asked.get(j);
                if (!p.future.isDone()) {
                    complete(p, s, Reason.SMTP_PROTOCOL_ERROR, "The session with " + s.host + " broke off at "
                            + e.stage.code() + ": " + describe(e.getCause() != null ? e.getCause() : e), null, e.stage,
                            head, headReplies, e.transcript, e.replies, catchAllOf(w));
                }
            }
            s.close();
            return false;
        }
    }

    /** RCPT to a mailbox nobody has: accepted means the server accepts everything. Returns 1 if it was refused. */
    private int probeCatchAll(SmtpSession s, DomainWork w, List<String> head, List<Reply> headReplies)
            throws SessionFailure {
        String made = "no-such-mailbox-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@" + w.domain;
        Reply r;
        try {
            r = s.command(Stage.RCPT, "RCPT TO:<" + made + ">", head, headReplies);
        } catch (SessionFailure e) {
            w.catchAll.complete(CatchAll.INCONCLUSIVE);
            throw e;
        }
        rcpts.increment();
        head.add("(that was the catch-all test with a made-up mailbox)");
        Reason meaning = ReplyMeaning.ofRcpt(r);
        w.catchAll.complete(meaning == Reason.MAILBOX_ACCEPTED ? CatchAll.ACCEPTS_ALL
                : meaning == Reason.MAILBOX_REJECTED ? CatchAll.REJECTS_UNKNOWN : CatchAll.INCONCLUSIVE);
        return r.positive() ? 0 : 1;
    }

    private static CatchAll catchAllOf(DomainWork w) {
        return w.catchAllClaimed.get() ? w.catchAll.join() : CatchAll.NOT_CHECKED;
    }

    private boolean reset(SmtpSession s) {
        try {
            return s.command(Stage.RSET, "RSET", new ArrayList<>(), new ArrayList<>()).positive();
        } catch (SessionFailure e) {
            return false;
        }
    }

    private void failAll(DomainWork w, Deque<Pending> carry, Reason reason, String detail, Reply reply, SmtpReport report) {
        List<Pending> all = new ArrayList<>(carry);
        carry.clear();
        w.queue.drainTo(all);
        for (Pending p : all) {
            p.future.complete(new SmtpOutcome(reason, detail, reply == null ? null : reply.toSmtpReply(), report));
        }
    }

    private void complete(Pending p, SmtpSession s, Reason reason, String detail, Reply decisive, Stage stage,
                          List<String> head, List<Reply> headReplies, List<String> own, List<Reply> ownReplies,
                          CatchAll catchAll) {
        List<String> transcript = new ArrayList<>(s.transcript);
        transcript.addAll(head);
        transcript.addAll(own);
        List<Reply> replies = new ArrayList<>(s.replies);
        replies.addAll(headReplies);
        replies.addAll(ownReplies);
        Integer retry = reason == Reason.TEMPORARY_FAILURE && decisive != null
                ? ReplyMeaning.retryAfterSeconds(decisive) : null;
        SmtpReport report = new SmtpReport(s.host, s.address.getHostAddress(), stage, List.copyOf(replies),
                s.starttls, s.ehloAnswered ? s.extensions.contains("SMTPUTF8") : null,
                catchAll == null ? CatchAll.NOT_CHECKED : catchAll, retry, List.copyOf(transcript));
        p.future.complete(new SmtpOutcome(reason, detail, decisive == null ? null : decisive.toSmtpReply(), report));
    }

    /** For a domain whose every MX host failed before a session was usable. */
    private static SmtpReport report(Target t, Stage stage, List<Reply> replies, List<String> transcript) {
        return new SmtpReport(t == null ? null : t.host, t == null ? null : t.address.getHostAddress(), stage,
                List.copyOf(replies), SmtpReport.StartTls.NOT_OFFERED, null, CatchAll.NOT_CHECKED, null,
                List.copyOf(transcript));
    }

    private static SmtpOutcome notProbed(Reason reason, String detail) {
        return new SmtpOutcome(reason, detail, null, new SmtpReport(null, null, null, List.of(),
                SmtpReport.StartTls.NOT_OFFERED, null, CatchAll.NOT_CHECKED, null, List.of()));
    }

    private static String explain(Reason reason, String host, Reply r, CatchAll catchAll) {
        return switch (reason) {
            case MAILBOX_ACCEPTED -> host + " accepted the mailbox (" + r.code() + (r.enhanced() == null ? "" : " "
                    + r.enhanced()) + ")" + (catchAll == CatchAll.REJECTS_UNKNOWN
                    ? " and refuses made-up ones." : "; whether it accepts any address could not be told.");
            case ACCEPT_ALL -> host + " accepted the mailbox, but it accepts made-up mailboxes too (catch-all).";
            case TEMPORARY_FAILURE -> host + " deferred the answer (" + r + "); try again in "
                    + ReplyMeaning.retryAfterSeconds(r) / 60 + " minutes.";
            default -> host + " answered " + r.stage().code() + " with " + r;
        };
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        return (e instanceof java.net.SocketTimeoutException ? "timed out" : e.getClass().getSimpleName())
                + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }

    /** Every address of every MX host, in preference order; IPv4 before IPv6 as the DNS stage lists them. */
    private static List<Target> targets(MailDomain domain) {
        List<Target> out = new ArrayList<>();
        for (MxHost h : domain.mx()) {
            for (String a : h.addresses()) {
                try {
                    // An IP literal: no lookup happens here, so the address checked is the address dialled.
                    out.add(new Target(h.host(), InetAddress.getByName(a)));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("the DNS stage produced a bad address: " + a, e);
                }
            }
        }
        return out;
    }
}
