package dev.mailcheck.store;

import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A list being checked, or checked: where it came from, how far it got, and the counts per verdict.
 *
 * @param id          stable for the same input, so that running it again overwrites rather than duplicates
 * @param source      what was checked (e.g. {@code s3://bucket/uploads/list.csv})
 * @param status      where it is, or how it ended
 * @param total       results stored so far
 * @param resultsKey  where the results file is (or will be) written; null for a job without one
 * @param chunks      how many chunks the list was split into; 0 while it is being split, or when it is
 *                    checked in one piece
 * @param notChecked  records of a partial or failed job that got no answer (no result, or one saying its SMTP
 *                    stage was given up on); null when unknown (the list was not read to its end)
 * @param error       why a partial or failed job did not check everything; null otherwise
 * @param heldBack    per provider group, the addresses the SMTP probe did not try because of the block breaker
 *                    and those that waited for a budget, most first; empty when none
 */
public record Job(String id, String source, JobStatus status, long total, Map<Verdict, Long> counts,
                  Instant created, Instant updated, String resultsKey, int chunks, Long notChecked, String error,
                  List<HeldBack> heldBack) {

    public Job {
        heldBack = heldBack == null ? List.of() : List.copyOf(heldBack);
    }

    /** A job whose SMTP probe held nothing back. */
    public Job(String id, String source, JobStatus status, long total, Map<Verdict, Long> counts, Instant created,
               Instant updated, String resultsKey, int chunks, Long notChecked, String error) {
        this(id, source, status, total, counts, created, updated, resultsKey, chunks, notChecked, error, List.of());
    }

    /** A job that has not ended (or ended done): nothing left unchecked, no error. */
    public Job(String id, String source, JobStatus status, long total, Map<Verdict, Long> counts, Instant created,
               Instant updated, String resultsKey, int chunks) {
        this(id, source, status, total, counts, created, updated, resultsKey, chunks, 0L, null);
    }

    /** Whether the job has ended: done, partial or failed. Nothing changes it afterwards. */
    public boolean finished() {
        return status.finished();
    }

    public Job with(JobStatus status, Tally tally, int chunks) {
        return new Job(id, source, status, tally.total(), tally.counts(), created, Instant.now(), resultsKey, chunks,
                notChecked, error, tally.heldBack());
    }

    /** The job ended short: what was checked, how many records were not (null: unknown), and why. */
    public Job ended(JobStatus status, Tally checked, Long notChecked, String error, String resultsKey) {
        return new Job(id, source, status, checked.total(), checked.counts(), created, Instant.now(), resultsKey, chunks,
                notChecked, error, checked.heldBack());
    }
}
