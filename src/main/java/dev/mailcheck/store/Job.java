package dev.mailcheck.store;

import dev.mailcheck.Verdict;
import java.time.Instant;
import java.util.Map;

/**
 * A list being checked, or checked: where it came from, how far it got, and the counts per verdict.
 *
 * @param id          stable for the same input, so that running it again overwrites rather than duplicates
 * @param source      what was checked (e.g. {@code s3://bucket/uploads/list.csv})
 * @param status      {@code running}, {@code done} or {@code failed}
 * @param total       results stored so far
 * @param resultsKey  where the results file was written, once it was
 */
public record Job(String id, String source, String status, long total, Map<Verdict, Long> counts,
                  Instant created, Instant updated, String resultsKey) {
}
