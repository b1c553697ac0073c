package dev.mailcheck.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.verdict.CheckResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Jobs and results of `checker serve` without DynamoDB: results in a data directory that outlives the process,
 * finished jobs removed within limits, leaving a tombstone that says when and why.
 */
class LocalResultStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where the store's owner says reply codes are explained. */
    private static final IntFunction<String> LINK = code -> "/codes/" + code;
    /** Never asked: results of unreadable lines need no DNS. */
    private static MxResolver dns;
    private static Checker checker;

    @BeforeAll
    static void start() {
        dns = new MxResolver(List.of(new InetSocketAddress("127.0.0.1", 9)), Duration.ofSeconds(1), 1, false);
        checker = new Checker(dns);
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static CheckResult result(long i) {
        return checker.unreadable("line " + i, "not an address").join();
    }

    private static List<JobResults.Positioned> results(long from, int count) {
        return IntStream.range(0, count).mapToObj(i -> new JobResults.Positioned(from + i, result(from + i))).toList();
    }

    private static Job job(String id, JobStatus status, long total) {
        Instant now = Instant.now();
        return new Job(id, "test", status, total, Map.of(), now, now, null, 0);
    }

    @Test
    void pagesComeInPositionOrderAndAPositionStoredAgainIsReplaced() throws Exception {
        try (LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, LINK)) {
            store.putJob(job("j", JobStatus.RUNNING, 0));
            store.putResults("j", results(100, 150));
            store.putResults("j", results(0, 100));
            store.putResults("j", List.of(new JobResults.Positioned(5, result(555))));
            List<String> inputs = new ArrayList<>();
            String cursor = null;
            do {
                JobResults.Page page = store.results("j", cursor, 100);
                for (String r : page.results()) {
                    inputs.add(JSON.readTree(r).get("address").asText());
                    assertEquals("/codes/501", JSON.readTree(r).at("/predicted_reply/reference").asText(), r);
                }
                cursor = page.nextCursor();
            } while (cursor != null);
            List<String> expected = new ArrayList<>(IntStream.range(0, 250).mapToObj(i -> "line " + i).toList());
            expected.set(5, "line 555");
            assertEquals(expected, inputs);
            assertEquals(List.of(), store.results("nope", null, 100).results());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                            | minutes after finishing | status  | kept
            finished, within the hour              | 59                      | done    | true
            finished, past the hour                | 61                      | done    | false
            failed, past the hour                  | 61                      | failed  | false
            still running a week later             | 10080                   | running | true
            still queued a week later              | 10080                   | queued  | true
            """)
    void finishedJobsAreForgottenAfterTheirTime(String scenario, long minutes, String status, boolean kept) {
        AtomicLong nanos = new AtomicLong();
        try (LocalResultStore store = new LocalResultStore(new LocalResultStore.Limits(Duration.ofHours(1), 10, 1_000),
                nanos::get, LINK)) {
            store.putJob(job("j", JobStatus.RUNNING, 0));
            store.putResults("j", results(0, 3));
            store.putJob(job("j", JobStatus.of(status), 3));
            nanos.addAndGet(Duration.ofMinutes(minutes).toNanos());
            assertEquals(kept, store.job("j").isPresent());
            assertEquals(kept ? 3 : 0, store.results("j", null, 100).results().size());
            assertEquals(kept ? null : "finished jobs are kept for 1 hours (--kept-hours)",
                    store.gone("j").map(JobLifecycle.Gone::why).orElse(null));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                 | kept jobs | kept results | finished jobs | results each | most kept
            many small jobs: at most the kept jobs      | 5         | 10000        | 40            | 3            | 5
            large jobs: at most the kept results        | 100       | 1000         | 20            | 300          | 3
            one job larger than all kept results: alone | 10        | 1000         | 3             | 1500         | 1
            """)
    void finishedJobsBeyondTheLimitsAreForgottenButRunningOnesNever(String scenario, int keptJobs, long keptResults,
                                                                     int finished, int each, int mostKept) {
        try (LocalResultStore store = new LocalResultStore(new LocalResultStore.Limits(Duration.ofDays(1), keptJobs,
                keptResults), LINK)) {
            List<String> running = List.of("r1", "r2");
            for (String id : running) {
                store.putJob(job(id, JobStatus.RUNNING, 0));
                store.putResults(id, results(0, each));
            }
            for (int j = 0; j < finished; j++) {
                store.putJob(job("f" + j, JobStatus.RUNNING, 0));
                store.putResults("f" + j, results(0, each));
                store.putJob(job("f" + j, JobStatus.DONE, each));
            }
            long kept = IntStream.range(0, finished).filter(j -> store.job("f" + j).isPresent()).count();
            assertTrue(kept >= 1 && kept <= mostKept, kept + " finished jobs kept");
            // The oldest to finish go first: those kept are the last ones, each removed one says why.
            assertTrue(store.job("f" + (finished - 1)).isPresent());
            for (int j = 0; j < finished - kept; j++) {
                assertTrue(store.gone("f" + j).orElseThrow().why().contains("--kept-jobs, --kept-results"), "f" + j);
            }
            for (String id : running) {
                assertTrue(store.job(id).isPresent(), id);
                assertEquals(Math.min(each, 100), store.results(id, null, 100).results().size());
            }
        }
    }

    /**
     * The store opened again on its directory, as {@code serve} restarted after a crash (closing the first
     * writes nothing more, so what it leaves is what a crash leaves; {@code cli.ServeCommandTest} kills a real
     * {@code serve}): finished jobs come back with their results; one under way is ended failed, keeping what
     * it had checked; a line cut short by the crash is left out.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                     | status  | results | bytes cut | after  | total after
            a finished job                                 | done    | 3       | 0         | done   | 3
            a job under way when the server stopped        | running | 3       | 0         | failed | 3
            a job queued when the server stopped           | queued  | 0       | 0         | failed | 0
            under way, its last result cut short mid-write | running | 3       | 5         | failed | 2
            """)
    void aStoreOpenedAgainHasItsJobsAndEndsThoseCutOff(String scenario, String status, int results, int cut,
                                                         String after, long totalAfter, @TempDir Path dir)
            throws IOException {
        LocalResultStore before = new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK);
        before.putJob(job("j", JobStatus.RUNNING, 0));
        before.putResults("j", results(0, results));
        before.putJob(job("j", JobStatus.of(status), results));
        before.close();
        if (cut > 0) {
            try (FileChannel f = FileChannel.open(dir.resolve("results/j.jsonl"), StandardOpenOption.WRITE)) {
                f.truncate(f.size() - cut);
            }
        }
        try (LocalResultStore reopened = new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK)) {
            Job job = reopened.job("j").orElseThrow();
            assertEquals(List.of(after, totalAfter), List.of(job.status().code(), job.total()));
            assertEquals(after.equals("failed") ? LocalResultStore.STOPPED : null, job.error());
            List<String> addresses = new ArrayList<>();
            for (String r : reopened.results("j", null, 100).results()) {
                addresses.add(JSON.readTree(r).get("address").asText());
            }
            assertEquals(IntStream.range(0, (int) totalAfter).mapToObj(i -> "line " + i).toList(), addresses);
        }
    }

    /** What a job held back, per provider group, is in its file: a restart reads it back. */
    @Test
    void whatAJobHeldBackSurvivesARestart(@TempDir Path dir) {
        List<HeldBack> heldBack = List.of(new HeldBack("microsoft", 120, 4_000), new HeldBack("yahoo", 0, 7));
        try (LocalResultStore before = new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK)) {
            before.putJob(job("j", JobStatus.RUNNING, 0));
            assertTrue(before.finishJob(job("j", JobStatus.RUNNING, 0).with(JobStatus.DONE,
                    new Tally(4_127, Map.of(Verdict.UNKNOWN, 4_127L), heldBack), 0)));
        }
        try (LocalResultStore reopened = new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK)) {
            assertEquals(heldBack, reopened.job("j").orElseThrow().heldBack());
        }
    }

    /** A job removed for a later, larger one leaves a tombstone with its files erased; a restart keeps it. */
    @Test
    void aJobRemovedForALargerOneIsGoneAlsoAfterARestart(@TempDir Path dir) {
        LocalResultStore.Limits limits = new LocalResultStore.Limits(Duration.ofDays(1), 10, 10);
        try (LocalResultStore store = new LocalResultStore(dir, limits, LINK)) {
            for (String id : List.of("small", "large")) {
                store.putJob(job(id, JobStatus.RUNNING, 0));
                store.putResults(id, results(0, id.equals("small") ? 3 : 20));
                store.putJob(job(id, JobStatus.DONE, id.equals("small") ? 3 : 20));
            }
            assertFalse(store.job("small").isPresent());
            assertFalse(dir.resolve("results/small.jsonl").toFile().exists());
            store.deleteJob("large");
            assertEquals("it was deleted (DELETE /v1/jobs/large)", store.gone("large").orElseThrow().why());
        }
        try (LocalResultStore reopened = new LocalResultStore(dir, limits, LINK)) {
            JobLifecycle.Gone small = reopened.gone("small").orElseThrow();
            assertTrue(small.why().contains("at most 10 finished jobs and 10 results in all"), small.why());
            assertTrue(small.when().isAfter(Instant.now().minusSeconds(60)), small::toString);
            assertTrue(reopened.gone("large").isPresent());
            assertEquals(List.of(false, false), List.of(reopened.job("small").isPresent(), reopened.gone("nope").isPresent()));
        }
    }

    /**
     * Two servers on one data directory would remove each other's jobs: the second is refused, until the first
     * closes. A directory the store makes is its owner's alone (addresses are personal data).
     */
    @Test
    void aDirectoryInUseIsRefused(@TempDir Path parent) throws IOException {
        Path dir = parent.resolve("data");
        try (LocalResultStore first = new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            UncheckedIOException refused = assertThrows(UncheckedIOException.class,
                    () -> new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK));
            assertEquals("cannot use the data directory " + dir + ": another checker serve is using it",
                    refused.getMessage());
            first.putJob(job("j", JobStatus.DONE, 0));
        }
        try (LocalResultStore second = new LocalResultStore(dir, LocalResultStore.Limits.DEFAULT, LINK)) {
            assertTrue(second.job("j").isPresent());
        }
    }

    @Test
    void resultsLiveInAFileNotOnTheHeap() {
        int count = 200_000;
        long before = heapAfterGc();
        try (LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, LINK)) {
            store.putJob(job("big", JobStatus.RUNNING, 0));
            for (int from = 0; from < count; from += 500) {
                store.putResults("big", results(from, 500));
            }
            store.putJob(job("big", JobStatus.DONE, count));
            long retained = heapAfterGc() - before;
            // The results' JSON alone is over 60 MB; what stays on the heap is 8 bytes of index per result.
            assertTrue(retained < 16L << 20, "retained " + (retained >> 20) + " MB");
            JobResults.Page last = store.results("big", Long.toString(count - 3), 100);
            assertEquals(2, last.results().size());
            assertNull(last.nextCursor());
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
