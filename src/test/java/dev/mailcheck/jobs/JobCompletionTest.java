package dev.mailcheck.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Verdict;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.Tally;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * When a split job is complete and how it ends: chunks done and given up on (in full, or in part: an SMTP item's
 * addresses, the chunk's rows kept), with and without a results file,
 * assembling that fails while others may still try or with the last word.
 */
class JobCompletionTest {

    /** What the workflow asked of its files, in order. */
    private static final class Files implements JobFiles {
        final List<String> asked = new ArrayList<>();
        final boolean assembleFails;

        Files(boolean assembleFails) {
            this.assembleFails = assembleFails;
        }

        @Override
        public void putPart(String jobId, int part, String rows) {
            asked.add("put " + part);
        }

        @Override
        public void assemble(String jobId, List<Integer> parts, String header, String resultsKey) {
            if (assembleFails) {
                throw new IllegalStateException("part gone");
            }
            asked.add("assemble " + parts + " into " + resultsKey);
        }

        @Override
        public void deleteParts(String jobId, int parts) {
            asked.add("delete " + parts);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                       | chunks | done  | given up | file | assembling | last word | status  | checked | not checked | files asked                                          | error
            a chunk still out: nothing happens               | 3      | 0 1   | -        | yes  | works      | no        | -       | -       | -           | -                                                    | -
            every chunk done: done, the file in chunk order  | 3      | 2 0 1 | -        | yes  | works      | no        | done    | 6       | 0           | assemble [0, 1, 2] into results/x.csv; delete 3      | -
            done without a file                              | 2      | 1 0   | -        | no   | works      | no        | done    | 4       | 0           | -                                                    | -
            one given up on: partial, its not-checked rows   | 3      | 0 2   | 1        | yes  | works      | yes       | partial | 4       | 5           | assemble [0, 1, 2] into results/x.csv; delete 3      | 1 of 3 chunks could not be checked (chunk 1: dead letter)
            every chunk given up on: failed, a row for each  | 2      | -     | 0 1      | yes  | works      | yes       | failed  | 0       | 10          | assemble [0, 1] into results/x.csv; delete 2         | 2 of 2 chunks could not be checked (chunk 0: dead letter)
            every chunk given up on, no file: failed         | 2      | -     | 0 1      | no   | works      | yes       | failed  | 0       | 10          | -                                                    | 2 of 2 chunks could not be checked (chunk 0: dead letter)
            given up on before parts were kept: no rows      | 3      | 0 2   | 1^       | yes  | works      | yes       | partial | 4       | 5           | assemble [0, 2] into results/x.csv; delete 3         | 1 of 3 chunks could not be checked (chunk 1: dead letter)
            every chunk so given up on: failed, no file      | 2      | -     | 0^ 1^    | yes  | works      | yes       | failed  | 0       | 10          | delete 2                                             | 2 of 2 chunks could not be checked (chunk 0: dead letter)
            one given up on in part: partial, all its rows   | 2      | 0     | 1~       | yes  | works      | no        | partial | 3       | 1           | assemble [0, 1] into results/x.csv; delete 2         | 1 of 2 chunks could not be checked in full (chunk 1: dead letter)
            the only chunk given up on in part: partial      | 1      | -     | 0~       | yes  | works      | yes       | partial | 1       | 1           | assemble [0] into results/x.csv; delete 1            | 1 of 1 chunks could not be checked in full (chunk 0: dead letter)
            assembling fails with the last word: failed      | 2      | 0 1   | -        | yes  | fails      | yes       | failed  | 4       | 0           | delete 2                                             | the results file could not be assembled (the results can still be read from the API): java.lang.IllegalStateException: part gone
            """)
    void aSplitJobEndsOnceEveryChunkIsIn(String scenario, int chunks, String done, String givenUp, String file,
                                         String assembling, String lastWord, String status, Long checked,
                                         Long notChecked, String filesAsked, String error) {
        try (LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            Job job = split(store, chunks, file.equals("yes"), done, givenUp);
            Files files = new Files(assembling.equals("fails"));
            List<Job> announced = new ArrayList<>();
            List<Job> letGo = new ArrayList<>();
            JobCompletion completion = new JobCompletion(store, store, store, files, announced::add, letGo::add);
            Optional<Job> ended = completion.finishIfComplete(job.id(), lastWord.equals("yes"));
            Job stored = store.job(job.id()).orElseThrow();
            if (status == null) {
                assertEquals(Optional.empty(), ended);
                assertEquals(List.of(JobStatus.RUNNING, List.of(), List.of(), List.of()),
                        List.of(stored.status(), announced, letGo, files.asked));
                return;
            }
            assertEquals(Optional.of(stored), ended);
            assertEquals(Arrays.asList(JobStatus.of(status), checked, notChecked, error),
                    Arrays.asList(stored.status(), stored.total(), stored.notChecked(), stored.error()));
            assertEquals(List.of(stored), announced, "announced once");
            assertEquals(List.of(stored), letGo, "its holder let go once");
            assertEquals(filesAsked == null ? List.of() : List.of(filesAsked.split("; ")), files.asked);
            assertEquals(files.asked.stream().anyMatch(a -> a.startsWith("assemble")) ? "results/x.csv" : null,
                    stored.resultsKey(), "a results file only where rows were assembled");
            assertEquals(Optional.empty(), completion.finishIfComplete(job.id(), true), "an ended job ends once");
            assertEquals(1, announced.size());
        }
    }

    /** Assembling that fails while the chunk's delivery may still be tried again fails that try, ending nothing. */
    @org.junit.jupiter.api.Test
    void assemblingThatFailsBeforeTheLastWordFailsTheTry() {
        try (LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            Job job = split(store, 2, true, "0 1", null);
            List<Job> announced = new ArrayList<>();
            JobCompletion completion = new JobCompletion(store, store, store, new Files(true), announced::add, j -> { });
            assertThrows(IllegalStateException.class, () -> completion.finishIfComplete(job.id(), false));
            assertEquals(JobStatus.RUNNING, store.job(job.id()).orElseThrow().status());
            assertTrue(announced.isEmpty());
        }
    }

    /**
     * A running job split into {@code chunks}, those named done (2 results each) or given up on (5 records each, their
     * part kept: rows saying not checked; with {@code ~}, in part: an SMTP item of 1 record given up on, the chunk's
     * other result kept; with {@code ^}, as recorded before given-up chunks kept a part: none).
     */
    private static Job split(LocalResultStore store, int chunks, boolean withFile, String done, String givenUp) {
        Instant now = Instant.now();
        Job job = new Job("c-" + UUID.randomUUID(), "test", JobStatus.RUNNING, 0, Map.of(), now, now,
                withFile ? "results/x.csv" : null, chunks);
        store.putJob(job);
        for (String c : done == null ? new String[0] : done.split(" ")) {
            store.putChunk(job.id(), Integer.parseInt(c), new Tally(2, Map.of(Verdict.DELIVERABLE, 2L)));
        }
        for (String c : givenUp == null ? new String[0] : givenUp.split(" ")) {
            store.putFailedChunk(job.id(), Integer.parseInt(c.replaceAll("[~^]", "")), c.endsWith("~")
                    ? new ChunkTallies.FailedChunk(1, "dead letter", new Tally(1, Map.of(Verdict.DELIVERABLE, 1L)))
                    : c.endsWith("^") ? new ChunkTallies.FailedChunk(5, "dead letter", null)
                    : new ChunkTallies.FailedChunk(5, "dead letter", Tally.EMPTY));
        }
        return job;
    }
}
