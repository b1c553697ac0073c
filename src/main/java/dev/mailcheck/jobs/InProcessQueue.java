package dev.mailcheck.jobs;

import dev.mailcheck.Defects;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code checker serve}'s chunk queue: chunks checked on a fixed number of threads of this process, oldest
 * first. A chunk that throws is tried again at once, {@code attempts} times in all (as SQS delivers it again),
 * then given up on (as the dead-letter queue's function does), so that its job still ends.
 *
 * <p>Bounded: at most two chunks per thread are queued or being checked; a split waits for room. A list read
 * into chunks all at once would take several times the memory of its text (a 5 MiB post of short lines is
 * 750,000 records).
 */
public final class InProcessQueue implements ChunkQueue {

    /** As many deliveries as the chunk queue's redrive policy allows in infra/template.yaml. */
    public static final int ATTEMPTS = 5;

    /**
     * How long a split waits for room before its job fails: longer than a chunk can take, an SMTP chunk
     * included (its rechecks of greylisting end within the hour of {@code Recheck.DEFAULT}).
     */
    public static final Duration FULL_FOR = Duration.ofHours(2);

    private final Supplier<JobWorkflow> workflow;
    private final int attempts;
    private final Duration fullFor;
    /** Room for chunks queued or being checked; a chunk's thread returns its permit when done with it. */
    private final Semaphore room;
    /**
     * Platform threads, not virtual ones: a chunk's checks parse and write without blocking for long, and
     * virtual threads are not time-sliced, so two busy ones on two cores kept requests waiting for seconds.
     */
    private final ExecutorService workers;

    /**
     * @param workflow the workflow the chunks go to: read when a chunk is delivered, so that the workflow can be
     *                 built with this queue
     */
    public InProcessQueue(int threads, int attempts, Duration fullFor, Supplier<JobWorkflow> workflow) {
        this.workflow = workflow;
        this.attempts = attempts;
        this.fullFor = fullFor;
        this.room = new Semaphore(2 * threads, true);
        this.workers = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("chunk-", 0).daemon().factory());
    }

    /** @throws IllegalStateException when the queue stays full for {@code fullFor} */
    @Override
    public void send(Chunk chunk) {
        try {
            if (!room.tryAcquire(fullFor.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the chunk queue stayed full for " + fullFor);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for room in the chunk queue", e);
        }
        try {
            workers.execute(() -> {
                try {
                    deliver(chunk);
                } finally {
                    room.release();
                }
            });
        } catch (RuntimeException e) {
            room.release();
            throw e;
        }
    }

    private void deliver(Chunk chunk) {
        String where = "job " + chunk.job() + " chunk " + chunk.chunk();
        List<String> failures = new ArrayList<>();
        Throwable last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                workflow.get().process(chunk);
                return;
            } catch (RuntimeException | Error e) {
                // An Error too (a stack overflow, say; out of memory, the launcher ends the JVM): it ends this try,
                // and without a give-up the job would run forever, holding its slot of --max-jobs. Each try's
                // defect is logged: they need not be the same one.
                failures.add(Defects.mention(Defects.log(where + " try " + attempt, e)));
                last = e;
            }
        }
        String why = "failed on every one of " + attempts + " tries (" + String.join(", ", failures) + "), the last: "
                + last;
        try {
            workflow.get().giveUp(chunk, why);
        } catch (RuntimeException | Error e) {
            // Its rows could not be written (the store refusing writes, say): nobody tries again here, so the chunk is
            // given up on without them, or its job would run forever holding its slot of --max-jobs.
            String rows = Defects.mention(Defects.log(where + ": its records' rows could not be written", e));
            try {
                workflow.get().giveUpWithoutRows(chunk, why + "; its records' rows could not be written (" + rows + ")");
            } catch (RuntimeException | Error again) {
                // The store fails even to end the job: say so rather than lose it silently.
                Defects.log(where + ", which " + why + ", could not be given up on either", again);
            }
        }
    }
}
