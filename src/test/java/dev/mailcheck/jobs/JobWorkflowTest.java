package dev.mailcheck.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.ForwardingStore;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.Tally;
import dev.mailcheck.testbed.Nsd;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one job workflow with the store of {@code checker serve} (LocalResultStore) and no results files: lists
 * cut into chunks on serve's {@link InProcessQueue}, chunks that fail, and chunks delivered again or out of
 * order as SQS may. The same workflow with S3, SQS, DynamoDB and EventBridge is S3UploadHandlerTest's.
 */
class JobWorkflowTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DOMAINS = List.of("good.checker.test", "nullmx.checker.test", "absent.checker.test");

    private static MxResolver dns;
    private static Checker checker;

    @BeforeAll
    static void start() {
        dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true);
        checker = new Checker(dns);
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    /** {@code n} lines: addresses at the test zones, every fourth one not an address at all. */
    private static List<String> list(int n) {
        return IntStream.range(0, n).mapToObj(i -> i % 4 == 3 ? "line " + i : "user" + i + "@" + DOMAINS.get(i % 3))
                .toList();
    }

    private static Job running() {
        Instant now = Instant.now();
        return new Job("t-" + UUID.randomUUID(), "test", JobStatus.RUNNING, 0, Map.of(), now, now, null, 0);
    }

    /** The job's stored results, in the order the store pages them, as the inputs they answer. */
    private static List<String> addresses(ResultStore store, String jobId) throws Exception {
        return stored(store, jobId).stream().map(r -> r.get("address").asText()).toList();
    }

    /** The job's stored results, in the order the store pages them (as GET /v1/jobs/{id}/results does). */
    private static List<JsonNode> stored(ResultStore store, String jobId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JobResults.Page page = store.results(jobId, cursor, 3);
            for (String r : page.results()) {
                out.add(JSON.readTree(r));
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return out;
    }

    /** Whether a stored result says its record was not checked because its chunk was given up on. */
    private static boolean notChecked(JsonNode result) {
        return result.get("reason").asText().equals("unverifiable")
                && result.get("detail").asText().startsWith("Not checked: its chunk of the job");
    }

    /**
     * A list as {@code checker serve} runs it: checked in one piece, or split into chunks that the queue's
     * threads check and whichever is last assembles. A chunk whose records include a failing position fails
     * every try (a store that refuses the answers at those positions, with an exception or an Error: an in-process
     * fault, as no real store fails one chunk on demand) and is given up on: its records still get a row each, at
     * their positions, saying they were not checked (in the store and the results file, one row per input line in
     * order); the job ends partial, or failed when no chunk got through.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                  | records | inline max | per chunk | failing positions | fault              | status  | chunks | checked | not checked
            short list, checked in one piece            | 5       | 5          | 2         | 0-0               | -                  | done    | 0      | 5       | 0
            several chunks, the last one assembles      | 7       | 1          | 2         | 0-0               | -                  | done    | 4      | 7       | 0
            one record per chunk                        | 3       | 0          | 1         | 0-0               | -                  | done    | 3      | 3       | 0
            the last chunk always fails: partial        | 7       | 1          | 2         | 6-7               | exception          | partial | 4      | 6       | 1
            a middle chunk always fails: partial        | 8       | 1          | 3         | 3-6               | exception          | partial | 3      | 5       | 3
            every chunk fails: failed                   | 4       | 1          | 2         | 0-4               | exception          | failed  | 2      | 0       | 4
            a chunk overflows its stack: partial        | 7       | 1          | 2         | 2-4               | StackOverflowError | partial | 4      | 5       | 2
            """)
    void aListThroughServesQueue(String scenario, int records, int inlineMax, int perChunk, String failing,
                                 String fault, String status, int chunks, long checked, Long notChecked)
            throws Exception {
        int failingFrom = Integer.parseInt(failing.split("-")[0]);
        int failingTo = Integer.parseInt(failing.split("-")[1]);
        try (LocalResultStore local = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            ResultStore store = new ForwardingStore(local) {
                @Override
                public void putResults(String jobId, List<Positioned> results) {
                    if (results.stream().anyMatch(p -> p.position() >= failingFrom && p.position() < failingTo
                            && p.result().reason() != Reason.UNVERIFIABLE)) {
                        if (fault.equals("StackOverflowError")) {
                            throw new StackOverflowError("this chunk always fails");
                        }
                        throw new IllegalStateException("this chunk always fails");
                    }
                    super.putResults(jobId, results);
                }
            };
            BlockingQueue<Job> announced = new LinkedBlockingQueue<>();
            JobWorkflow[] workflow = new JobWorkflow[1];
            LocalJobFiles files = new LocalJobFiles(dir);
            workflow[0] = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store).events(announced::add)
                    .files(files)
                    .splitting(new InProcessQueue(1, InProcessQueue.ATTEMPTS, InProcessQueue.FULL_FOR, () -> workflow[0]),
                            new JobWorkflow.Chunking(inlineMax, perChunk)).build();
            Job started = running();
            // With a results file, assembled by the core's JobFiles port (here a directory's).
            Job job = new Job(started.id(), started.source(), started.status(), 0, Map.of(), started.created(),
                    started.updated(), "results/" + started.id() + ".csv", 0);
            store.putJob(job);
            List<String> lines = list(records);
            workflow[0].check(job, new BufferedReader(new StringReader(String.join("\n", lines))),
                    InputRecords.Format.AUTO, null, SmtpDepth.NONE);

            Job ended = announced.poll(60, TimeUnit.SECONDS); // a guard against a hang, not a timing
            assertNotNull(ended, "the job ended");
            assertEquals(List.of(status, chunks, checked, notChecked),
                    List.of(ended.status().code(), ended.chunks(), ended.total(), ended.notChecked()), ended.toString());
            assertEquals(failingTo > failingFrom, ended.error() != null && ended.error().contains("this chunk always fails"),
                    String.valueOf(ended.error()));
            List<Boolean> givenUp = IntStream.range(0, records).mapToObj(i -> i >= failingFrom && i < failingTo).toList();
            List<JsonNode> results = stored(store, job.id());
            assertEquals(lines, results.stream().map(r -> r.get("address").asText()).toList(),
                    "every result once, in input order, those given up on too");
            assertEquals(givenUp, results.stream().map(JobWorkflowTest::notChecked).toList(), results::toString);
            assertTrue(results.stream().filter(JobWorkflowTest::notChecked)
                    .allMatch(r -> r.get("detail").asText().contains("this chunk always fails")), results::toString);
            List<String> rows = Files.readAllLines(files.results(ended.resultsKey()));
            assertTrue(rows.getFirst().startsWith("address,"), rows.getFirst());
            assertEquals(lines, rows.subList(1, rows.size()).stream().map(r -> r.substring(0, r.indexOf(',')).replace("\"", ""))
                    .toList(), "the results file: the header once, a row per input line, in input order");
            assertEquals(givenUp, rows.subList(1, rows.size()).stream().map(r -> r.contains(",unverifiable,\"Not checked: its chunk"))
                    .toList(), "the rows given up on say so");
            // Deleted after the end is announced and stored, on the queue's thread: wait for it (a guard, not a timing).
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.exists(dir.resolve("work/" + job.id())) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(Files.notExists(dir.resolve("work/" + job.id())), "the parts are deleted");
        }
    }

    /**
     * SQS delivers at least once and in any order: each sequence of deliveries (chunk numbers, a list of 5 in
     * chunks of 2) ends the job done exactly when its last missing chunk is checked, announced once, with every
     * result stored once, in input order, and the counts of one run.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                          | deliveries
            in order                            | 0 1 2
            reversed                            | 2 1 0
            every chunk twice                   | 0 0 1 1 2 2
            a chunk again after the job ended   | 0 1 2 1
            out of order, with repeats          | 2 0 2 1 0
            """)
    void chunksDeliveredAgainOrOutOfOrderCountOnce(String scenario, String deliveries) throws Exception {
        try (LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            List<Chunk> sent = new ArrayList<>();
            List<Job> announced = new ArrayList<>();
            JobWorkflow workflow = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store)
                    .events(announced::add).splitting(sent::add, new JobWorkflow.Chunking(1, 2)).build();
            Job job = running();
            store.putJob(job);
            List<String> lines = list(5);
            Job split = workflow.check(job, new BufferedReader(new StringReader(String.join("\n", lines))),
                    InputRecords.Format.AUTO, null, SmtpDepth.NONE);
            assertEquals(List.of(JobStatus.RUNNING, 3, 3), List.of(split.status(), split.chunks(), sent.size()));

            List<Integer> order = Arrays.stream(deliveries.split(" ")).map(Integer::valueOf).toList();
            int last = IntStream.range(0, order.size())
                    .filter(i -> order.subList(0, i + 1).stream().distinct().count() == 3).findFirst().orElseThrow();
            for (int i = 0; i < order.size(); i++) {
                workflow.process(sent.get(order.get(i)));
                assertEquals(i >= last ? JobStatus.DONE : JobStatus.RUNNING, store.job(job.id()).orElseThrow().status(),
                        "after delivery " + (i + 1));
            }
            assertEquals(1, announced.size(), "announced once");
            Job done = store.job(job.id()).orElseThrow();
            assertEquals(5, done.total());
            assertEquals(store.tally(job.id()), new Tally(done.total(), done.counts()));
            Job whole = running();
            store.putJob(whole);
            Job inOnePiece = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store).build()
                    .check(whole, new BufferedReader(new StringReader(
                    String.join("\n", lines))), InputRecords.Format.AUTO, null, SmtpDepth.NONE);
            assertEquals(inOnePiece.counts(), done.counts(), "the counts of the list checked in one piece");
            assertEquals(lines, addresses(store, job.id()), "every result once, in input order");
        }
    }

    /**
     * The in-process queue holds two chunks per thread: a split finding it full waits, and past its deadline
     * fails instead of reading the whole list into memory (chunks held up by a store that blocks until
     * released: an in-process fault). Released, the chunks already queued are checked.
     */
    @Test
    void aSplitThatFindsTheQueueFullPastItsDeadlineFails() throws Exception {
        int room = 2; // one thread
        CountDownLatch release = new CountDownLatch(1);
        try (LocalResultStore local = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            List<Long> stored = new CopyOnWriteArrayList<>();
            ResultStore store = new ForwardingStore(local) {
                @Override
                public void putResults(String jobId, List<Positioned> results) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    results.forEach(r -> stored.add(r.position()));
                    super.putResults(jobId, results);
                }
            };
            JobWorkflow[] workflow = new JobWorkflow[1];
            workflow[0] = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store).splitting(
                    new InProcessQueue(room / 2, InProcessQueue.ATTEMPTS, Duration.ofMillis(300), () -> workflow[0]),
                    new JobWorkflow.Chunking(0, 1)).build();
            Job job = running();
            store.putJob(job);
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> workflow[0].check(job,
                    new BufferedReader(new StringReader(String.join("\n", list(5)))), InputRecords.Format.AUTO, null,
                    SmtpDepth.NONE));
            assertTrue(full.getMessage().contains("stayed full"), full.getMessage());
            assertEquals(0, store.job(job.id()).orElseThrow().chunks(), "no chunk count: the split broke off");
            release.countDown();
            long deadline = System.nanoTime() + 60_000_000_000L; // a guard against a hang, not a timing
            while (stored.size() < room && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(LongStream.range(0, room).boxed().toList(), stored.stream().sorted().toList(),
                    "the chunks queued before the deadline, and no other");
        } finally {
            release.countDown();
        }
    }

    /**
     * A chunk given up on (SQS's dead-letter queue, serve's last try) and delivered around that, in a list of 4 in
     * two chunks: steps "0" check chunk 0, "g0" give chunk 0 up. A late redelivery that gets through counts as
     * done, not failed, its rows replacing the not-checked ones; a chunk already done that is then given up on (its
     * last try broke off after storing it) stays done, its rows too, and its job waits for the other chunk. A give-up
     * delivered twice writes and counts its rows once.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                   | steps     | status  | checked | failed chunks
            given up on, then delivered                  | g0 0 1    | done    | 4       | 0
            the other given up on, then delivered        | g1 1 0    | done    | 4       | 0
            the last one given up on: partial            | 0 g1 1    | partial | 2       | 1
            done, then given up on: the job waits        | 0 g0      | running | 0       | 0
            done, then given up on, then the other       | 0 g0 1    | done    | 4       | 0
            given up on, the other done: partial         | g0 1      | partial | 2       | 1
            given up on twice, the other done: partial   | g0 g0 1   | partial | 2       | 1
            """)
    void aChunkGivenUpOnCountsAsFailedOnlyIfNeverDone(String scenario, String steps, String status, long checked,
                                                      int failedChunks) throws Exception {
        try (LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            List<Chunk> sent = new ArrayList<>();
            JobWorkflow workflow = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store)
                    .splitting(sent::add, new JobWorkflow.Chunking(1, 2)).build();
            Job job = running();
            store.putJob(job);
            workflow.check(job, new BufferedReader(new StringReader(String.join("\n", list(4)))),
                    InputRecords.Format.AUTO, null, SmtpDepth.NONE);
            for (String step : steps.split(" ")) {
                if (step.startsWith("g")) {
                    workflow.giveUp(sent.get(Integer.parseInt(step.substring(1))), "the dead-letter queue");
                } else {
                    workflow.process(sent.get(Integer.parseInt(step)));
                }
            }
            Job ended = store.job(job.id()).orElseThrow();
            assertEquals(List.of(status, checked, failedChunks),
                    List.of(ended.status().code(), ended.total(), store.failedChunks(job.id()).size()),
                    ended.toString());
            if (ended.finished()) {
                assertEquals(Long.valueOf(2L * failedChunks), ended.notChecked(), ended.toString());
                List<JsonNode> results = stored(store, job.id());
                assertEquals(list(4), results.stream().map(r -> r.get("address").asText()).toList(),
                        "a row per record, once, in input order");
                assertEquals(2L * failedChunks, results.stream().filter(JobWorkflowTest::notChecked).count(),
                        results::toString);
            }
        }
    }
}
