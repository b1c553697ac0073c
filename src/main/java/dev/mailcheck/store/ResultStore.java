package dev.mailcheck.store;

import dev.mailcheck.verdict.CheckResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/** Where jobs and their results are kept. Implementations must never drop a result silently. */
public interface ResultStore {

    /** A result at its position (0-based record number) in the job's input. */
    record Positioned(long position, CheckResult result) {
    }

    /** One page of a job's results, as result JSON in input order, and where the next page starts (null at the end). */
    record Page(List<String> results, String nextCursor) {
    }

    /**
     * A chunk of a split list that was given up on (it reached the dead-letter queue), or partly so (an SMTP job's
     * work item did): its records not checked, and why.
     *
     * @param kept the tally of the rows it did check, whose part of the results file it kept (its records not
     *             checked have rows there too, saying so); null when it kept nothing
     */
    record FailedChunk(long records, String error, Tally kept) {

        public FailedChunk(long records, String error) {
            this(records, error, null);
        }
    }

    /** What is left of a job that was removed: when, and why (e.g. later jobs needed its room). */
    record Gone(Instant when, String why) {
    }

    void putJob(Job job);

    /**
     * Stores the job in the state it ended in (done, partial, failed) unless it has already ended; says
     * whether it did. Of two racing to end a job, one wins, and only it announces the end.
     */
    boolean finishJob(Job job);

    /** Stores the job only if no job with its id exists yet; says whether it did. */
    boolean createJob(Job job);

    Optional<Job> job(String id);

    /** For a job no longer kept (no {@link #job} any more), when and why it was removed; empty for an id never seen. */
    default Optional<Gone> gone(String id) {
        return Optional.empty();
    }

    /** Stores results; storing the same position of the same job again replaces the earlier one. */
    void putResults(String jobId, List<Positioned> results);

    /** Up to {@code limit} results after {@code cursor} (null for the first page). */
    Page results(String jobId, String cursor, int limit);

    /** Records a chunk of the job as done; recording the same chunk again replaces the earlier tally. */
    void putChunk(String jobId, int chunk, Tally tally);

    /** The chunks done so far, by chunk number. */
    SortedMap<Integer, Tally> chunks(String jobId);

    /** Records a chunk of the job as given up on; a later success of the same chunk replaces it. */
    void putFailedChunk(String jobId, int chunk, FailedChunk failed);

    /** The chunks given up on, by chunk number. */
    SortedMap<Integer, FailedChunk> failedChunks(String jobId);

    /** Forgets the chunks done or given up on, before a list is split again. */
    void clearChunks(String jobId);

    /** Counts the results stored so far, per verdict (what a job that broke off did check). */
    Tally tally(String jobId);

    /** Erases the job: its record, every result and every chunk record. */
    void deleteJob(String jobId);

    /**
     * One step of erasing the job: up to about {@code maxItems} of its results and chunk records, and, once none
     * is left, its record (last, so that an erasure cut short leaves a job that can be erased again, never
     * items without one). Says whether nothing of the job is left. A store that erases a job at once does so here.
     */
    default boolean eraseSome(String jobId, int maxItems) {
        deleteJob(jobId);
        return true;
    }

    /** How many of the job's results an erasure under way has removed so far (0 before, or where erasing is at once). */
    default long erased(String jobId) {
        return 0;
    }
}
