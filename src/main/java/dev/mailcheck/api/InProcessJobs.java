package dev.mailcheck.api;

import dev.mailcheck.LogPrivacy;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.StoredRun;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.Checker;
import dev.mailcheck.verdict.Recheck;
import dev.mailcheck.verdict.Rechecks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Jobs of {@code checker serve}: checked on a thread of this process, results in its store. At most
 * {@code maxJobs} are queued or running at once (each holds its list and the checks in flight in memory);
 * one more is refused with {@link JobQueue.Busy}. A job that probes SMTP rechecks deferrals (greylisting) in
 * process as its {@link Recheck} policy says, and ends only when they are settled.
 */
public final class InProcessJobs implements JobQueue {

    /** What a refused client is told to wait: about what a list of some thousand addresses takes. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final Checker checker;
    private final Checker withSmtp;
    private final Recheck recheck;
    private final ResultStore store;
    /** The rechecks of the jobs running now, for how many addresses wait; each job removes its own when it ends. */
    private final Map<String, Rechecks> running = new ConcurrentHashMap<>();
    private final int maxJobs;
    private final Semaphore slots;
    /**
     * Platform threads, not virtual ones: a job reads and parses its list without blocking for long, and
     * virtual threads are not time-sliced, so two jobs on two cores kept requests waiting for seconds.
     */
    private final ExecutorService runner = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().name("job-", 0).daemon().factory());

    public InProcessJobs(Checker checker, ResultStore store, int maxJobs) {
        this(checker, null, Recheck.NONE, store, maxJobs);
    }

    /**
     * @param withSmtp the checker of jobs that ask for the SMTP probe, or null where it is off
     * @param recheck  how those jobs recheck deferrals (DNS-only jobs have none: only SMTP replies say "later")
     */
    public InProcessJobs(Checker checker, Checker withSmtp, Recheck recheck, ResultStore store, int maxJobs) {
        this.checker = checker;
        this.withSmtp = withSmtp;
        this.recheck = recheck;
        this.store = store;
        this.maxJobs = maxJobs;
        this.slots = new Semaphore(maxJobs);
    }

    @Override
    public Job submit(String list, boolean csv, String column, boolean smtp) {
        if (smtp && withSmtp == null) {
            throw new IllegalArgumentException("SMTP probing is not enabled on this server");
        }
        if (!slots.tryAcquire()) {
            throw new Busy(maxJobs + " job(s) are already under way here, the most this server runs at once; send"
                    + " the list again when one is done", RETRY_AFTER);
        }
        try {
            Instant now = Instant.now();
            Job job = new Job("local-" + UUID.randomUUID(), "POST /v1/jobs", JobStatus.QUEUED, 0, Tally.EMPTY.counts(), now,
                    now, null, 0);
            store.putJob(job);
            runner.execute(() -> {
                try {
                    run(job, list, csv, column, smtp ? new Rechecks(withSmtp, recheck) : new Rechecks(checker, Recheck.NONE));
                } finally {
                    slots.release();
                }
            });
            return job;
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
    }

    @Override
    public Job submitObject(String key, String column) {
        throw new IllegalArgumentException("this server has no uploads bucket; send the list itself as text/plain or"
                + " text/csv");
    }

    @Override
    public int rechecking(String jobId) {
        Rechecks rechecks = running.get(jobId);
        return rechecks == null ? 0 : rechecks.waiting().map(Rechecks.Waiting::addresses).orElse(0);
    }

    private void run(Job job, String list, boolean csv, String column, Rechecks rechecks) {
        Job running = job.with(JobStatus.RUNNING, Tally.EMPTY, 0);
        store.putJob(running);
        this.running.put(job.id(), rechecks);
        try {
            InputRecords records = new InputRecords(new BufferedReader(new StringReader(list)),
                    csv ? InputRecords.Format.CSV : InputRecords.Format.AUTO, column);
            store.putJob(running.with(JobStatus.DONE, StoredRun.run(rechecks, records, store, job.id(), 0, r -> { }), 0));
        } catch (InputRecords.NoAddressColumn e) {
            store.putJob(running.ended(JobStatus.FAILED, Tally.EMPTY, null, e.getMessage(), null));
        } catch (IOException | RuntimeException e) {
            System.err.println(LogPrivacy.text("job " + job.id() + " failed: " + e));
            store.putJob(running.with(JobStatus.FAILED, Tally.EMPTY, 0));
        } finally {
            this.running.remove(job.id());
        }
    }
}
