package dev.mailcheck.store;

import dev.mailcheck.verdict.CheckResult;
import java.util.List;

/**
 * A job's results, each at its position in the input: written as they come, read page by page in input order,
 * counted. Must never drop a result silently.
 */
public interface JobResults {

    /** A result at its position (0-based record number) in the job's input. */
    record Positioned(long position, CheckResult result) {
    }

    /** One page of a job's results, as result JSON in input order, and where the next page starts (null at the end). */
    record Page(List<String> results, String nextCursor) {
    }

    /** Stores results; storing the same position of the same job again replaces the earlier one. */
    void putResults(String jobId, List<Positioned> results);

    /** Up to {@code limit} results after {@code cursor} (null for the first page). */
    Page results(String jobId, String cursor, int limit);

    /** Counts the results stored so far, per verdict (what a job that broke off did check). */
    Tally tally(String jobId);
}
