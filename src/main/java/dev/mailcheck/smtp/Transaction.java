package dev.mailcheck.smtp;

import dev.mailcheck.smtp.SmtpReport.CatchAll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * One MAIL transaction on an open session, for the addresses {@link Held} holds. Every address it
 * gets an answer for is answered through {@code held}; those it could not ask about (the server wants
 * fewer recipients) stay held for the next transaction. A {@link SessionFailure} leaves the rest held
 * for the caller, which decides what a broken session means.
 */
final class Transaction {

    /** How the session goes on after the transaction. */
    enum End { CONTINUE, CLOSED }

    private final SmtpSession s;
    private final SmtpSettings settings;
    private final String domain;
    private final CatchAllTest catchAllTest;
    private final Held held;
    private final LongAdder rcpts;
    /**
     * Every reply of MAIL, RCPT and DATA, for the block breaker: true when the prober may no longer talk to this host
     * (its provider group is blocked now), and then nothing more is said to it.
     */
    private final Predicate<Reply> heard;
    /** A reply of this transaction left the host blocked: no further command goes to it. */
    private boolean blocked;
    /** MAIL FROM and the catch-all test: every asked address's transcript has them. */
    private final Log head = Log.start();
    /**
     * One RCPT every so often (zero: no RCPT budget): the transaction's share of the budget is spread evenly over its
     * RCPTs, as the budget promises a remote host. Sent together, a share came as one burst, so that a host counting
     * a minute's RCPTs could see up to two transactions' worth above the budget.
     */
    private final Duration rcptEvery;
    /** nanoTime before which the next RCPT is not sent; 0 before the first. */
    private long nextRcpt;

    Transaction(SmtpSession s, SmtpSettings settings, String domain, CatchAllTest catchAllTest, Held held,
                LongAdder rcpts, Duration rcptEvery, Predicate<Reply> heard) {
        this.rcptEvery = rcptEvery;
        this.heard = heard;
        this.s = s;
        this.settings = settings;
        this.domain = domain;
        this.catchAllTest = catchAllTest;
        this.held = held;
        this.rcpts = rcpts;
    }

    /** The prelude and this transaction's head, for outcomes written by the caller. */
    Log heard(SessionFailure failure) {
        Log own = new Log(failure.transcript, failure.replies);
        return own.equals(head) ? s.prelude().then(head) : s.prelude().then(head, own);
    }

    End run() throws SessionFailure {
        List<Pending> asked = refuseWhatNeedsSmtpUtf8(held.batch());
        if (asked.isEmpty()) {
            return End.CONTINUE;
        }
        s.until(held.until());
        Reply mail = s.mail(settings.mailFrom(), asked.stream().anyMatch(p -> p.address.smtpUtf8()), head);
        hear(mail);
        if (!mail.positive()) {
            for (Pending p : asked) {
                held.answer(p, Outcomes.senderRefused(s, mail, s.prelude().then(head)));
            }
            return mail.code() != 421 && !blocked && s.rset() ? End.CONTINUE : close();
        }
        int errors = 0;
        if (catchAllTest.claim()) {
            Reply r = testCatchAll();
            if (r.code() == 421) {
                return closedBefore(asked, 0, r, CatchAll.INCONCLUSIVE);
            }
            if (blocked) {
                return close(); // the addresses stay held, and are answered as not tried
            }
            errors += r.positive() ? 0 : 1;
        }
        List<Reply> answers = new ArrayList<>();
        List<Log> logs = new ArrayList<>();
        Reply stop = ask(asked, errors, answers, logs);
        boolean closing = blocked || stop != null && stop.code() == 421
                || errors + answers.stream().filter(r -> !r.positive()).count() >= settings.errorsPerSession();
        boolean accepted = answers.stream().anyMatch(Reply::positive);
        Reply data = null;
        Log tail = Log.start();
        Stage reached = Stage.RCPT;
        if (settings.data() && accepted && !closing && held.wanted()) {
            data = s.data(tail);
            hear(data);
            if (data.code() == 354) {
                reached = Stage.DATA_354;
                tail.lines().add("closed the connection without sending anything after 354 (no message was sent)");
            } else if (data.positive()) {
                tail.lines().add("DATA answered " + data.code() + " instead of 354: connection closed at once");
            } else {
                reached = Stage.DATA;
            }
        }
        CatchAll catchAll = catchAllTest.result(settings.timeout(Stage.RCPT).plus(Hosts.WAIT_SLICE));
        for (int i = 0; i < answers.size(); i++) {
            Reply r = answers.get(i);
            Log heard = r.positive() ? s.prelude().then(head, logs.get(i), tail) : s.prelude().then(head, logs.get(i));
            held.answer(asked.get(i), Outcomes.ofRcpt(s, r, r.positive() ? data : null, reached, catchAll, heard));
        }
        if (stop != null && stop.code() == 421) {
            return closedBefore(asked, answers.size(), stop, catchAll);
        }
        // After DATA (354 or not) the only safe way on is a new connection; likewise once the server is
        // counting our errors.
        return data != null || closing || !s.rset() ? close() : End.CONTINUE;
    }

    private List<Pending> refuseWhatNeedsSmtpUtf8(List<Pending> batch) {
        List<Pending> asked = new ArrayList<>();
        for (Pending p : batch) {
            if (p.address.smtpUtf8() && !s.offers("SMTPUTF8")) {
                held.answer(p, Outcomes.smtputf8Unsupported(s));
            } else {
                asked.add(p);
            }
        }
        return asked;
    }

    /**
     * RCPT for each address in turn until the error budget is spent, the server says stop or a reply leaves the host
     * blocked for the prober (its group's breaker open: not one more RCPT, where it went on to the error budget). With
     * PIPELINING (RFC 2920) they go out in groups, as many as the error budget allows, so that even a
     * group refused whole keeps the session below the server's error limits. Addresses nobody waits for any more
     * (past their deadline, or their client gone) are not asked: they stay held, and the next fill drops them.
     *
     * @return the reply that stopped the asking early (421, or too many recipients), else null
     */
    private Reply ask(List<Pending> asked, int errorsSoFar, List<Reply> answers, List<Log> logs) throws SessionFailure {
        int errors = errorsSoFar;
        boolean accepted = false;
        while (answers.size() < asked.size() && errors < settings.errorsPerSession() && !blocked
                && asked.subList(answers.size(), asked.size()).stream().anyMatch(p -> !p.ended())) {
            int from = answers.size();
            if (!awaitRcptTurn(asked.subList(from, asked.size()))) {
                break;
            }
            int group = rcptEvery.isZero() && s.offers("PIPELINING")
                    ? Math.min(asked.size() - from, settings.errorsPerSession() - errors) : 1;
            List<String> addresses = new ArrayList<>();
            List<Log> own = new ArrayList<>();
            for (int k = 0; k < group; k++) {
                addresses.add(asked.get(from + k).address.normalized());
                own.add(Log.start());
            }
            List<Reply> replies = s.rcpts(addresses, own);
            rcptSent();
            rcpts.add(group);
            for (int k = 0; k < replies.size(); k++) {
                Reply r = replies.get(k);
                hear(r);
                if (accepted && ReplyMeaning.tooManyRecipients(r)) {
                    return r; // too many recipients: this one and the rest stay held for the next transaction
                }
                answers.add(r);
                logs.add(own.get(k));
                accepted |= r.positive();
                errors += r.positive() ? 0 : 1;
                if (r.code() == 421) {
                    return r;
                }
            }
        }
        return null;
    }

    /** Waits for the next RCPT's turn ({@link #rcptEvery}); false when nobody waits for {@code rest} any more. */
    private boolean awaitRcptTurn(List<Pending> rest) {
        return nextRcpt == 0 || Hosts.sleepUntil(() -> Duration.ofNanos(nextRcpt - System.nanoTime()),
                () -> rest.stream().anyMatch(p -> !p.ended()));
    }

    /** An RCPT has gone: the next one's turn is one interval after this one's (after now for the first). */
    private void rcptSent() {
        if (!rcptEvery.isZero()) {
            nextRcpt = (nextRcpt == 0 ? System.nanoTime() : nextRcpt) + rcptEvery.toNanos();
        }
    }

    /** RCPT to a mailbox nobody has: accepted means the server accepts everything. Settled on every path. */
    private Reply testCatchAll() throws SessionFailure {
        try {
            String made = "no-such-mailbox-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@" + domain;
            Reply r = s.rcpt(made, head);
            rcptSent();
            hear(r);
            rcpts.increment();
            head.lines().add("(that was the catch-all test with a made-up mailbox)");
            catchAllTest.settle(ReplyMeaning.ofMadeUpMailbox(r));
            return r;
        } finally {
            catchAllTest.settle(CatchAll.INCONCLUSIVE);
        }
    }

    /** 421: the server closes the session; the addresses from {@code from} on were not asked and get "later". */
    private End closedBefore(List<Pending> asked, int from, Reply closing, CatchAll catchAll) {
        for (Pending p : asked.subList(from, asked.size())) {
            held.answer(p, Outcomes.closedBefore(s, closing, catchAll, s.prelude().then(head)));
        }
        return close();
    }

    private void hear(Reply r) {
        blocked |= heard.test(r);
    }

    private End close() {
        s.close();
        return End.CLOSED;
    }
}
