package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Reason;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.Verdict;
import dev.mailcheck.smtp.SmtpReport;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.ChunkTallies.FailedChunk;
import dev.mailcheck.store.JobResults.Positioned;
import dev.mailcheck.store.Tally;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.verdict.CheckResult;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules both result stores keep, one test each run against {@link LocalResultStore} ({@code checker serve})
 * and {@link DynamoResultStore} (Lambda, on moto's DynamoDB, a table of its own per test), grouped by the
 * store's concerns: a job ends once and is created once ({@link dev.mailcheck.store.JobLifecycle}), a position
 * stored again replaces the earlier result ({@link dev.mailcheck.store.JobResults}), a done chunk replaces a
 * failed one ({@link dev.mailcheck.store.ChunkTallies}), a deleted job leaves nothing behind and an erasure in
 * steps keeps the job to the end ({@link dev.mailcheck.store.JobErasure}).
 */
class ResultStoreContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A test run once on each store. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"local", "dynamo"})
    @interface EachStore {
    }

    /** A fresh store of the kind named, empty. */
    private static ResultStore store(String kind) {
        return switch (kind) {
            case "local" -> new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null);
            case "dynamo" -> {
                String table = "contract-" + UUID.randomUUID();
                Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(table));
                yield new DynamoResultStore(Moto.shared().dynamo(), table, Duration.ofDays(1), SmtpCodes::link);
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static Job running(ResultStore store) {
        return running(store, 2);
    }

    /** A running job of {@code chunks} chunks (0: not split yet), stored. */
    private static Job running(ResultStore store, int chunks) {
        Instant now = Instant.now();
        Job job = new Job("c-" + UUID.randomUUID(), "test", JobStatus.RUNNING, 0, Map.of(), now, now, null, chunks,
                null, null);
        store.putJob(job);
        return job;
    }

    private static List<Positioned> results(long from, long to, String detail) {
        return LongStream.range(from, to).mapToObj(i -> new Positioned(i, CheckResult.invalid("line " + i, detail)))
                .toList();
    }

    /** JobLifecycle: a job's record is created once and ends once. */
    @Nested
    class Lifecycle {

        @EachStore
        void aJobEndsOnceAndTheFirstEndStands(String kind) {
            ResultStore store = store(kind);
            Job job = running(store);
            Tally three = new Tally(3, Map.of(Verdict.UNDELIVERABLE, 3L));
            assertTrue(store.finishJob(job.with(JobStatus.DONE, three, 2)), "the first end");
            assertFalse(store.finishJob(job.with(JobStatus.FAILED, Tally.EMPTY, 2)), "a second end");
            Job ended = store.job(job.id()).orElseThrow();
            assertEquals(List.of(JobStatus.DONE, 3L), List.of(ended.status(), ended.total()));
        }

        @EachStore
        void aJobIsCreatedOnce(String kind) {
            ResultStore store = store(kind);
            Instant now = Instant.now();
            Job job = new Job("c-" + UUID.randomUUID(), "first", JobStatus.RUNNING, 0, Map.of(), now, now, null, 0, null,
                    null);
            assertTrue(store.createJob(job));
            assertFalse(store.createJob(new Job(job.id(), "second", JobStatus.RUNNING, 0, Map.of(), now, now, null, 0,
                    null, null)));
            assertEquals("first", store.job(job.id()).orElseThrow().source());
        }

        /** A split is stored once, on a job running unsplit: not over another split, an end, or nothing. */
        @EachStore
        void aJobIsSplitOnceWhileItRuns(String kind) {
            ResultStore store = store(kind);
            Job job = running(store, 0);
            assertTrue(store.putSplit(job.with(JobStatus.RUNNING, Tally.EMPTY, 3)), "running, not split");
            assertFalse(store.putSplit(job.with(JobStatus.RUNNING, Tally.EMPTY, 4)), "split already");
            assertEquals(3, store.job(job.id()).orElseThrow().chunks());
            Job ended = running(store, 0);
            assertTrue(store.finishJob(ended.with(JobStatus.DONE, Tally.EMPTY, 0)));
            assertFalse(store.putSplit(ended.with(JobStatus.RUNNING, Tally.EMPTY, 3)), "ended");
            assertEquals(JobStatus.DONE, store.job(ended.id()).orElseThrow().status());
            Job none = job.with(JobStatus.RUNNING, Tally.EMPTY, 3);
            store.deleteJob(none.id());
            assertFalse(store.putSplit(none), "not stored (erased)");
            assertTrue(store.job(none.id()).isEmpty());
        }
    }

    /** JobResults: a result per position, counted from what is kept. */
    @Nested
    class Results {

        @EachStore
        void aPositionStoredAgainReplacesTheEarlierResult(String kind) throws Exception {
            ResultStore store = store(kind);
            Job job = running(store);
            store.putResults(job.id(), results(0, 3, "first"));
            store.putResults(job.id(), results(1, 2, "again"));
            List<String> details = new ArrayList<>();
            for (String r : store.results(job.id(), null, 10).results()) {
                details.add(JSON.readTree(r).get("detail").asText());
            }
            assertEquals(List.of("first", "again", "first"), details);
            assertEquals(3, store.tally(job.id()).total());
        }

        /** A job that broke off is counted from the results kept: what the probe held back included. */
        @EachStore
        void theTallyOfTheResultsKeptCountsWhatWasHeldBack(String kind) {
            ResultStore store = store(kind);
            Job job = running(store);
            Reason blocked = Reason.SMTP_BLOCKED;
            List<Positioned> results = new ArrayList<>();
            String[][] rows = {{"microsoft", "true", "false"}, {"microsoft", "true", "true"}, {"yahoo", "false", "true"},
                    {"mx.own.test", "false", "false"}};
            for (int i = 0; i < rows.length; i++) {
                SmtpReport smtp = new SmtpReport(null, null, null, List.of(), SmtpReport.StartTls.NOT_OFFERED, null,
                        SmtpReport.CatchAll.NOT_CHECKED, null, List.of(), rows[i][0], Boolean.parseBoolean(rows[i][1]),
                        Boolean.parseBoolean(rows[i][2]));
                results.add(new Positioned(i, CheckResult.builder("a@x.test").normalized("a@x.test").domain("x.test")
                        .domainUnicode("x.test").reason(blocked).detail("held").signals(null).smtp(smtp).build()));
            }
            results.add(new Positioned(rows.length, CheckResult.invalid("no smtp", "no SMTP object at all")));
            store.putResults(job.id(), results);
            Tally tally = store.tally(job.id());
            assertEquals(5, tally.total());
            assertEquals(List.of(new HeldBack("microsoft", 2, 1), new HeldBack("yahoo", 0, 1)), tally.heldBack());
        }
    }

    /** ChunkTallies: a chunk is done or given up on, the later success standing. */
    @Nested
    class Chunks {

        /** What the SMTP probe held back, per provider group, is kept with a chunk's tally and with the job's end. */
        @EachStore
        void whatAJobHeldBackIsKeptWithItsChunksAndItsEnd(String kind) {
            ResultStore store = store(kind);
            Job job = running(store);
            List<HeldBack> heldBack = List.of(new HeldBack("microsoft", 120, 4_000), new HeldBack("mx.own.test", 0, 3));
            Tally chunk = new Tally(4_123, Map.of(Verdict.UNKNOWN, 4_123L), heldBack);
            store.putChunk(job.id(), 0, chunk);
            assertEquals(chunk, store.chunks(job.id()).get(0));
            assertTrue(store.finishJob(job.with(JobStatus.DONE, Tally.sum(List.of(chunk, chunk)), 2)));
            assertEquals(List.of(new HeldBack("microsoft", 240, 8_000), new HeldBack("mx.own.test", 0, 6)),
                    store.job(job.id()).orElseThrow().heldBack());
        }

        @EachStore
        void aDoneChunkReplacesAFailedOne(String kind) {
            ResultStore store = store(kind);
            Job job = running(store);
            Tally two = new Tally(2, Map.of(Verdict.UNDELIVERABLE, 2L));
            store.putFailedChunk(job.id(), 0, new FailedChunk(2, "given up on", null));
            store.putFailedChunk(job.id(), 1, new FailedChunk(2, "given up on", null));
            store.putChunk(job.id(), 1, two);
            assertEquals(new TreeMap<>(Map.of(1, two)), store.chunks(job.id()));
            assertEquals(new TreeMap<>(Map.of(0, new FailedChunk(2, "given up on", null))), store.failedChunks(job.id()));
            // Given up on in part (an SMTP item dead-lettered): the tally of what it did check comes back with it.
            FailedChunk inPart = new FailedChunk(1, "an item given up on", new Tally(3, Map.of(Verdict.DELIVERABLE, 3L)));
            store.putFailedChunk(job.id(), 2, inPart);
            assertEquals(inPart, store.failedChunks(job.id()).get(2));
            // Given up on whole, its part of not-checked rows kept: an empty tally comes back, not none.
            FailedChunk whole = new FailedChunk(2, "dead letter", Tally.EMPTY);
            store.putFailedChunk(job.id(), 3, whole);
            assertEquals(whole, store.failedChunks(job.id()).get(3));
            assertEquals(java.util.Set.of(1), store.chunks(job.id()).keySet(), "a chunk given up on in part is not done");
            store.clearChunks(job.id());
            assertEquals(List.of(Map.of(), Map.of()), List.of(store.chunks(job.id()), store.failedChunks(job.id())));
        }
    }

    /** JobErasure: nothing of a job left, and the job kept to the end of an erasure in steps. */
    @Nested
    class Erasing {

        /** A running job with 30 results, chunk 0 done and chunk 1 given up on. */
        private static Job withEverything(ResultStore store) {
            Job job = running(store);
            store.putResults(job.id(), results(0, 30, "stored"));
            store.putChunk(job.id(), 0, new Tally(30, Map.of(Verdict.UNDELIVERABLE, 30L)));
            store.putFailedChunk(job.id(), 1, new FailedChunk(5, "given up on", null));
            return job;
        }

        /**
         * Whether the job is there, how many of its results, chunks done, chunks given up on and results counted, and
         * whether a tombstone says it was removed (what tells a late give-up not to store it anew).
         */
        private static List<Object> left(ResultStore store, Job job) {
            return List.of(store.job(job.id()).isPresent(), store.results(job.id(), null, 100).results().size(),
                    store.chunks(job.id()).size(), store.failedChunks(job.id()).size(), store.tally(job.id()).total(),
                    store.gone(job.id()).isPresent());
        }

        @EachStore
        void aDeletedJobLeavesNothingBehind(String kind) {
            ResultStore store = store(kind);
            Job job = withEverything(store);
            Job other = withEverything(store);
            store.deleteJob(job.id());
            assertEquals(List.of(false, 0, 0, 0, 0L, true), left(store, job), "nothing left but its tombstone");
            assertEquals(List.of(true, 30, 1, 1, 30L, false), left(store, other), "another job is untouched");
        }

        /**
         * An erasure in steps (each step's count of items may be cut short there) keeps the job's record to the end: until
         * nothing else is left, the job can be read and erased again; at the end nothing is left.
         */
        @EachStore
        void anErasureInStepsKeepsTheJobToTheEnd(String kind) {
            ResultStore store = store(kind);
            Job job = withEverything(store);
            int steps = 0;
            while (!store.eraseSome(job.id(), 7)) {
                assertTrue(store.job(job.id()).isPresent(), "the job stays while anything of it is left");
                assertTrue(++steps < 30, "each step gets further");
            }
            assertEquals(List.of(false, 0, 0, 0, 0L, true), left(store, job), "nothing left but its tombstone");
        }
    }
}
