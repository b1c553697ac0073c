package dev.mailcheck.store;

import dev.mailcheck.verdict.CheckResult;
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

    void putJob(Job job);

    /** Stores the job only if no job with its id exists yet; says whether it did. */
    boolean createJob(Job job);

    Optional<Job> job(String id);

    /** Stores results; storing the same position of the same job again replaces the earlier one. */
    void putResults(String jobId, List<Positioned> results);

    /** Up to {@code limit} results after {@code cursor} (null for the first page). */
    Page results(String jobId, String cursor, int limit);

    /** Records a chunk of the job as done; recording the same chunk again replaces the earlier tally. */
    void putChunk(String jobId, int chunk, Tally tally);

    /** The chunks done so far, by chunk number. */
    SortedMap<Integer, Tally> chunks(String jobId);

    /** Forgets the chunks done, before a list is split again. */
    void clearChunks(String jobId);
}
