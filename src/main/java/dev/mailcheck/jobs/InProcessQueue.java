package dev.mailcheck.jobs;

import dev.mailcheck.LogPrivacy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code checker serve}'s chunk queue: chunks checked on a fixed number of threads of this process, oldest
 * first. A chunk that throws is tried again at once, {@code attempts} times in all (as SQS delivers it again),
 * then given up on (as the dead-letter queue's function does), so that its job still ends.
 *
 * <p>The queue itself has no bound: what it holds is bounded by whoever admits the lists (serve's
 * {@code --max-jobs}), each list already in memory as the request that sent it.
 */
public final class InProcessQueue implements ChunkQueue {

    /** As many deliveries as the chunk queue's redrive policy allows in infra/template.yaml. */
    public static final int ATTEMPTS = 5;

    private final Supplier<JobWorkflow> workflow;
    private final int attempts;
    /**
     * Platform threads, not virtual ones: a chunk's checks parse and write without blocking for long, and
     * virtual threads are not time-sliced, so two busy ones on two cores kept requests waiting for seconds.
     */
    private final ExecutorService workers;

    /**
     * @param workflow the workflow the chunks go to: read when a chunk is delivered, so that the workflow can be
     *                 built with this queue
     */
    public InProcessQueue(int threads, int attempts, Supplier<JobWorkflow> workflow) {
        this.workflow = workflow;
        this.attempts = attempts;
        this.workers = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("chunk-", 0).daemon().factory());
    }

    @Override
    public void send(Chunk chunk) {
        workers.execute(() -> deliver(chunk));
    }

    private void deliver(Chunk chunk) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                workflow.get().process(chunk);
                return;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        String why = "failed on every one of " + attempts + " tries: " + last;
        System.err.println(LogPrivacy.text("job " + chunk.job() + " chunk " + chunk.chunk() + " " + why));
        try {
            workflow.get().giveUp(chunk, why);
        } catch (RuntimeException e) {
            // The store itself fails: nothing here can end the job; say so rather than lose it silently.
            System.err.println(LogPrivacy.text("job " + chunk.job() + " chunk " + chunk.chunk()
                    + " could not be given up on either: " + e));
        }
    }
}
