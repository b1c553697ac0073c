package dev.mailcheck.pipeline;

import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.CheckResult;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Records of a job through the checker, every result stored at its position as it comes. */
public final class StoredRun {

    /** Results per store call; DynamoDB's store splits them into its batches of 25. */
    public static final int SLICE = 500;

    private StoredRun() {
    }

    /**
     * A deferral is rechecked as {@code checker}'s policy says: its result is stored once, final.
     *
     * @param first the position of the first record in the job's input (non-zero for a later chunk)
     * @param sink  also gets every result, in input order
     */
    public static Tally run(Rechecks checker, Iterator<InputRecords.Input> records, JobResults store, String jobId,
                            long first, Consumer<CheckResult> sink) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        HeldBack.Counts heldBack = new HeldBack.Counts();
        List<JobResults.Positioned> slice = new ArrayList<>(SLICE);
        long[] position = {first};
        long total = ListRun.run(checker, records, result -> {
            slice.add(new JobResults.Positioned(position[0]++, result));
            if (slice.size() == SLICE) {
                store.putResults(jobId, slice);
                slice.clear();
            }
            counts.merge(result.verdict(), 1L, Long::sum);
            if (result.heldBack() != null) {
                heldBack.add(result.heldBack());
            }
            sink.accept(result);
        });
        store.putResults(jobId, slice);
        return new Tally(total, counts, heldBack.list());
    }
}
