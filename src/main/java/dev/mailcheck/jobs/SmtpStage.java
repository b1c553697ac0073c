package dev.mailcheck.jobs;

import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.ListRun;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.CheckResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The SMTP stage of a job split across workers (Lambda): a chunk goes through the DNS stage, and the records
 * that need the SMTP stage become one {@link SmtpItem} per domain on the {@link SmtpQueue}. A worker probes an
 * item until its deadline and settles each answer once in the {@link SmtpLedger}; what it did not reach goes back
 * on the queue, deferrals the recheck policy wants tried again wait there too. The settle that leaves its chunk
 * with nothing pending writes the chunk's part of the results file from the settled rows, in position order,
 * records the chunk done and hands the job to the {@link JobWorkflow}'s completion.
 */
public final class SmtpStage {

    private final JobWorkflow workflow;
    private final Checker dns;
    private final JobLifecycle jobs;
    private final ChunkTallies chunks;
    private final JobFiles files;
    private final SmtpLedger ledger;
    private final SmtpQueue queue;
    private final Recheck recheck;
    private final Function<CheckResult, String> group;

    /**
     * @param workflow the job workflow: DNS-only chunks, and the end of jobs
     * @param dns      the DNS stage (the checker without a prober)
     * @param recheck  how deferrals are rechecked (tries and window)
     * @param group    the provider group of an address that passed the DNS stage: who shares a reputation with
     *                 its mail host, probed by a limited number of workers at once
     */
    public <S extends JobLifecycle & ChunkTallies> SmtpStage(JobWorkflow workflow, Checker dns, S store,
            JobFiles files, SmtpLedger ledger, SmtpQueue queue, Recheck recheck, Function<CheckResult, String> group) {
        this.workflow = workflow;
        this.dns = dns;
        this.jobs = store;
        this.chunks = store;
        this.files = files;
        this.ledger = ledger;
        this.queue = queue;
        this.recheck = recheck;
        this.group = group;
    }

    /** What one delivery of an item did: answers settled, addresses sent back not reached, rechecks sent. */
    public record Worked(int settled, int notReached, int rechecks, Optional<Job> ended) {
    }

    /**
     * A chunk: DNS-only ones go to the workflow as before; one of an SMTP job goes through the DNS stage here,
     * the records it ends settled at once, the others sent on as one item per domain.
     */
    public JobWorkflow.Processed process(Chunk chunk) {
        if (!chunk.depth().smtp()) {
            return workflow.process(chunk);
        }
        if (jobs.job(chunk.job()).map(Job::finished).orElse(true)) {
            return JobWorkflow.Processed.SKIPPED; // ended, or not in the store (erased, expired): nothing to add
        }
        List<CheckResult> results = new ArrayList<>(chunk.records().size());
        ListRun.run(dns, chunk.records().iterator(), results::add);
        List<SmtpLedger.Settled> rows = new ArrayList<>();
        Map<String, List<SmtpItem.Entry>> byDomain = new LinkedHashMap<>();
        Map<String, String> groups = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            CheckResult r = results.get(i);
            long position = chunk.first() + i;
            if (r.reason() == Reason.ACCEPTS_MAIL) {
                byDomain.computeIfAbsent(r.domain(), d -> new ArrayList<>())
                        .add(new SmtpItem.Entry(position, chunk.records().get(i).value()));
                groups.putIfAbsent(r.domain(), group.apply(r));
            } else {
                rows.add(new SmtpLedger.Settled(position, r, row(r), null));
            }
        }
        // The DNS stage's rows settle as answers do, each position once, its stored result with it: a chunk delivered
        // again whose DNS answered otherwise the second time (a SERVFAIL) neither counts a position twice nor leaves
        // one counted that its work item then finds settled, which kept such a job running for ever, nor writes its
        // answer over the one that settled (both found by reviews).
        ledger.open(chunk.job(), chunk.chunk(), chunk.records().size());
        long pending = ledger.settle(chunk.job(), chunk.chunk(), rows);
        byDomain.forEach((domain, entries) -> queue.send(new SmtpItem(chunk.job(), chunk.resultsKey(),
                chunk.chunk(), domain, groups.get(domain), 1, 0, 0, chunk.depth().data(), entries), ""));
        return new JobWorkflow.Processed(true, pending == 0
                ? complete(chunk.job(), chunk.chunk(), chunk.resultsKey(), false) : Optional.empty());
    }

    /**
     * One delivery of an item: its addresses not settled yet are checked until {@code stopAt}; answers settle,
     * deferrals the policy wants tried again go to the queue's delay with {@code tries} one more, and addresses
     * not answered by {@code stopAt} go back on the queue as an item of their own.
     *
     * @param checker the SMTP checker, its deadline no later than {@code stopAt}
     * @param salt    the id of this delivery's message: what it sends back is deduplicated apart from others'
     */
    public Worked work(SmtpItem item, Checker checker, Instant stopAt, String salt) {
        if (jobs.job(item.job()).map(Job::finished).orElse(true)) {
            return new Worked(0, 0, 0, Optional.empty()); // erased, or ended by a dead-lettered item: nothing to add
        }
        List<SmtpItem.Entry> entries = item.entries();
        Set<Long> done = entries.isEmpty() ? Set.of() : ledger.settled(item.job(), item.chunk(),
                entries.getFirst().position(), entries.getLast().position());
        Map<SmtpItem.Entry, CompletableFuture<CheckResult>> checks = new LinkedHashMap<>();
        for (SmtpItem.Entry e : entries) {
            if (!done.contains(e.position())) {
                checks.put(e, checker.check(e.input()));
            }
        }
        try {
            CompletableFuture.allOf(checks.values().toArray(CompletableFuture[]::new))
                    .get(Math.max(0, Duration.between(Instant.now(), stopAt).toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // what is not done by now goes back on the queue, below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a check failed, which the checker never does", e);
        }
        List<SmtpLedger.Settled> answers = new ArrayList<>();
        List<SmtpItem.Entry> notReached = new ArrayList<>();
        List<SmtpItem.Entry> again = new ArrayList<>();
        Duration wait = Duration.ZERO;
        // The recheck window runs from the first probe, not from when the item was queued: an item may wait long
        // for its provider group's turn.
        long started = item.tries() == 1 ? System.currentTimeMillis() : item.started();
        Duration elapsed = Duration.ofMillis(System.currentTimeMillis() - started);
        for (Map.Entry<SmtpItem.Entry, CompletableFuture<CheckResult>> c : checks.entrySet()) {
            if (!c.getValue().isDone()) {
                notReached.add(c.getKey());
                continue;
            }
            CheckResult r = c.getValue().join();
            r = item.tries() == 1 ? r : r.withTries(item.tries());
            Optional<Duration> next = recheck.next(r, elapsed);
            if (next.isPresent()) {
                again.add(c.getKey());
                wait = next.get().compareTo(wait) > 0 ? next.get() : wait;
            } else {
                answers.add(new SmtpLedger.Settled(c.getKey().position(), r, row(r), null));
            }
        }
        // Sent before the answers settle: a worker stopped in between leaves them unsettled, to be tried again.
        if (!notReached.isEmpty()) {
            queue.send(item.with(notReached, item.tries(), 0), salt);
        }
        if (!again.isEmpty()) {
            // Counted before it is sent (a recheck that comes due at once takes itself off the count), and counted
            // off again if the send fails: the delivery is retried, and would count the same addresses twice.
            SmtpItem recheck = new SmtpItem(item.job(), item.resultsKey(), item.chunk(), item.domain(), item.group(),
                    item.tries() + 1, started, System.currentTimeMillis() + wait.toMillis(), item.data(), again);
            ledger.recheckWaits(recheck);
            try {
                queue.later(recheck, wait);
            } catch (RuntimeException e) {
                ledger.recheckEnds(recheck);
                throw e;
            }
        }
        long pending = ledger.settle(item.job(), item.chunk(), answers);
        Optional<Job> ended = pending == 0 ? complete(item.job(), item.chunk(), item.resultsKey(), false)
                : Optional.empty();
        return new Worked(answers.size(), notReached.size(), again.size(), ended);
    }

    /**
     * An item back from the queue's delay: one whose time has come goes to the workers of its group (no longer
     * counted as waiting for a recheck); one due later is held back again.
     */
    public void due(SmtpItem item, String salt) {
        long left = item.due() - System.currentTimeMillis();
        if (left > 0) {
            queue.later(item, Duration.ofMillis(left));
            return;
        }
        // Due 0 on the work queue: it no longer waits, so giving it up there counts nothing off. Sent before it is
        // counted off, so that it shows as waiting until it is on its way; one sent twice (the count failing after)
        // is deduplicated by its id, or finds its addresses settled the second time and skips them.
        queue.send(item.with(item.entries(), item.tries(), 0), salt);
        ledger.recheckEnds(item);
    }

    /**
     * An item that failed every delivery (its dead-letter queue): its addresses not settled yet are answered as not
     * tried (their DNS stage again, the SMTP stage given up on), so the results file still has a row for each; the
     * chunk, once nothing else of it is pending, is recorded as given up on in part, keeping its rows, and the job
     * ends partial. A recheck given up on while it waited (a due time) no longer counts as waiting.
     *
     * @return the job, if this ended it
     */
    public Optional<Job> giveUp(SmtpItem item) {
        if (jobs.job(item.job()).map(Job::finished).orElse(true)) {
            return Optional.empty(); // erased, or ended already: nothing to add
        }
        String why = "the SMTP work of " + item.domain() + " (" + item.entries().size() + " addresses, try "
                + item.tries() + ") failed on every delivery and went to the dead-letter queue (see the SMTP"
                + " function's log)";
        List<SmtpItem.Entry> entries = item.entries();
        Set<Long> done = entries.isEmpty() ? Set.of() : ledger.settled(item.job(), item.chunk(),
                entries.getFirst().position(), entries.getLast().position());
        List<SmtpItem.Entry> open = entries.stream().filter(e -> !done.contains(e.position())).toList();
        List<CheckResult> dnsStage = new ArrayList<>(open.size());
        ListRun.run(dns, open.stream().map(e -> new InputRecords.Input(e.input(), null)).iterator(), dnsStage::add);
        List<SmtpLedger.Settled> rows = new ArrayList<>(open.size());
        for (int i = 0; i < open.size(); i++) {
            // The DNS stage may answer otherwise now (the domain gone): then that is the address's answer.
            boolean routed = dnsStage.get(i).reason() == Reason.ACCEPTS_MAIL;
            CheckResult r = routed ? dnsStage.get(i).smtpGivenUp(why) : dnsStage.get(i);
            rows.add(new SmtpLedger.Settled(open.get(i).position(), r, row(r), routed ? why : null));
        }
        long pending = ledger.settle(item.job(), item.chunk(), rows);
        Optional<Job> ended = pending == 0 ? complete(item.job(), item.chunk(), item.resultsKey(), true)
                : Optional.empty();
        if (item.due() > 0) {
            // Last: it waits until its addresses are settled.
            ledger.recheckEnds(item);
        }
        return ended;
    }

    /**
     * The chunk has nothing pending: its part from the settled rows, its tally (of the rows answered: a chunk with
     * rows given up on is recorded as given up on in part, its part kept), and the job's completion ({@code lastWord}
     * as {@link JobWorkflow#finishIfComplete} takes it: from the failure function, which nothing tries after).
     */
    private Optional<Job> complete(String job, int chunk, String resultsKey, boolean lastWord) {
        List<SmtpLedger.Settled> rows = ledger.rows(job, chunk);
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        StringBuilder part = new StringBuilder();
        long givenUp = 0;
        String why = null;
        for (SmtpLedger.Settled s : rows) {
            if (s.givenUp() == null) {
                counts.merge(s.verdict(), 1L, Long::sum);
            } else {
                givenUp++;
                why = why == null ? s.givenUp() : why;
            }
            part.append(s.row());
        }
        if (resultsKey != null) {
            files.putPart(job, chunk, part.toString());
        }
        Tally tally = new Tally(rows.size() - givenUp, counts);
        if (givenUp == 0) {
            chunks.putChunk(job, chunk, tally);
        } else {
            chunks.putFailedChunk(job, chunk, new ChunkTallies.FailedChunk(givenUp, why, tally));
        }
        return workflow.finishIfComplete(job, lastWord);
    }

    /** A result's row of the results file (what follows the header the CSV writer starts with), its line end included. */
    static String row(CheckResult r) {
        StringWriter out = new StringWriter();
        ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, out, null);
        writer.write(r);
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().substring(ResultWriter.csvHeader().length());
    }
}
