package dev.mailcheck.store;

import dev.mailcheck.Verdict;
import java.time.Instant;
import java.util.Map;

/**
 * A list being checked, or checked: where it came from, how far it got, and the counts per verdict.
 *
 * @param id          stable for the same input, so that running it again overwrites rather than duplicates
 * @param source      what was checked (e.g. {@code s3://bucket/uploads/list.csv})
 * @param status      {@code queued}, {@code running}, {@code done} or {@code failed}
 * @param total       results stored so far
 * @param resultsKey  where the results file is written once the job is done
 * @param chunks      how many chunks the list was split into; 0 while it is being split, or when it is
 *                    checked in one piece
 */
public record Job(String id, String source, String status, long total, Map<Verdict, Long> counts,
                  Instant created, Instant updated, String resultsKey, int chunks) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    public Job with(String status, Tally tally, int chunks) {
        return new Job(id, source, status, tally.total(), tally.counts(), created, Instant.now(), resultsKey, chunks);
    }
}
