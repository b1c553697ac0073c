package dev.mailcheck.store;

import java.util.SortedMap;

/**
 * What became of each chunk of a split list: done (its tally) or given up on. Kept apart from the results, so
 * that telling whether a job is complete, and how far it got, never reads its results.
 */
public interface ChunkTallies {

    /**
     * A chunk of a split list that was given up on (it reached the dead-letter queue), or partly so (an SMTP job's
     * work item did): its records not checked, and why.
     *
     * @param kept the tally of the rows it did check (empty for a chunk given up on whole), whose part of the results
     *             file it kept (its records not checked have rows there too, saying so); null when it kept nothing
     *             (given up on before chunks kept such parts)
     */
    record FailedChunk(long records, String error, Tally kept) {
    }

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
}
