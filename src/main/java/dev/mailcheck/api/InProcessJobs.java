package dev.mailcheck.api;

import dev.mailcheck.Defects;
import dev.mailcheck.jobs.InProcessQueue;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Jobs of {@code checker serve}: the {@link JobWorkflow} of the Lambda functions, run by this process. A job's
 * list is read on a thread of its own and checked there when short, else split into chunks that
 * {@link InProcessQueue}'s threads check; results in this server's store, no results file. At most
 * {@code maxJobs} are queued or running at once (each holds its list and the checks in flight in memory);
 * one more is refused with {@link JobQueue.Busy}. A job's slot is freed when it ends, whichever thread ends it.
 * A job that probes SMTP rechecks deferrals (greylisting) in process as its {@link Recheck} policy says, and
 * ends only when they are settled.
 */
public final class InProcessJobs implements JobQueue {

    /** What a refused client is told to wait: about what a list of some thousand addresses takes. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final boolean smtp;
    private final JobLifecycle store;
    private final JobWorkflow workflow;
    private final int maxJobs;
    private final Semaphore slots;
    /** The jobs holding a slot; whoever removes a job's id frees its slot, once. */
    private final Set<String> holding = ConcurrentHashMap.newKeySet();
    /**
     * Platform threads, not virtual ones: a job reads and parses its list without blocking for long, and
     * virtual threads are not time-sliced, so two jobs on two cores kept requests waiting for seconds.
     */
    private final ExecutorService runner = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().name("job-", 0).daemon().factory());

    public <S extends JobLifecycle & JobResults & ChunkTallies> InProcessJobs(Checker checker, S store, int maxJobs) {
        this(JobWorkflow.Checkers.dnsOnly(checker), store, maxJobs, JobWorkflow.Chunking.DEFAULT);
    }

    /**
     * @param checkers the checkers of the jobs; without one for SMTP, {@code smtp=true} and {@code smtp_data=true}
     *                 are refused
     * @param chunking how lists are cut; chunks are checked on {@code maxJobs} threads
     */
    public <S extends JobLifecycle & JobResults & ChunkTallies> InProcessJobs(JobWorkflow.Checkers checkers, S store,
                                                                             int maxJobs, JobWorkflow.Chunking chunking) {
        this.smtp = checkers.withSmtp() != null;
        this.store = store;
        this.maxJobs = maxJobs;
        this.slots = new Semaphore(maxJobs);
        InProcessQueue queue = new InProcessQueue(maxJobs, InProcessQueue.ATTEMPTS, InProcessQueue.FULL_FOR,
                this::workflow);
        this.workflow = JobWorkflow.builder(checkers, store).splitting(queue, chunking).whenEnded(job -> free(job.id()))
                .build();
    }

    @Override
    public Job submit(String list, boolean csv, String column, SmtpDepth smtp) {
        if (smtpRefused(smtp) != null) {
            throw new IllegalArgumentException(smtpRefused(smtp));
        }
        if (!slots.tryAcquire()) {
            throw new Busy(maxJobs + " job(s) are already under way here, the most this server runs at once; send"
                    + " the list again when one is done", RETRY_AFTER);
        }
        Instant now = Instant.now();
        Job job = new Job("local-" + UUID.randomUUID(), "POST /v1/jobs", JobStatus.QUEUED, 0, Tally.EMPTY.counts(),
                now, now, null, 0);
        holding.add(job.id());
        try {
            store.putJob(job);
            runner.execute(() -> run(job, list, csv, column, smtp));
            return job;
        } catch (RuntimeException e) {
            free(job.id());
            throw e;
        }
    }

    @Override
    public String smtpRefused(SmtpDepth smtp) {
        return smtp.smtp() && !this.smtp ? "SMTP probing is not enabled on this server (start checker serve with"
                + " --smtp)" : null;
    }

    @Override
    public Job submitObject(String key, String column, SmtpDepth smtp) {
        throw new IllegalArgumentException("this server has no uploads bucket; send the list itself as text/plain or"
                + " text/csv");
    }

    @Override
    public int rechecking(String jobId) {
        return workflow.rechecking(jobId);
    }

    /** For the queue, which is built before the workflow it delivers to. */
    private JobWorkflow workflow() {
        return workflow;
    }

    private void free(String jobId) {
        if (holding.remove(jobId)) {
            slots.release();
        }
    }

    private void run(Job job, String list, boolean csv, String column, SmtpDepth smtp) {
        Job running = job.with(JobStatus.RUNNING, Tally.EMPTY, 0);
        try {
            store.putJob(running);
            workflow.check(running, new BufferedReader(new StringReader(list)),
                    csv ? InputRecords.Format.CSV : InputRecords.Format.AUTO, column, smtp);
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (a stack overflow, say): else the job runs forever and its slot is never freed.
            String id = Defects.log("in job " + job.id(), e);
            try {
                workflow.giveUp(store.job(job.id()).orElse(running), "the list could not be checked ("
                        + Defects.mention(id) + " in the server's log)");
            } finally {
                free(job.id()); // the job may not have ended (its store failing too), but its thread is done with it
            }
        }
    }
}
