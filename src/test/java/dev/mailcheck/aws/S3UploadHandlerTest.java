package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.Verdict;
import dev.mailcheck.api.Api;
import dev.mailcheck.cli.LocalContext;
import dev.mailcheck.cli.QueueDrain;
import dev.mailcheck.jobs.Chunk;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.StoredRun;
import dev.mailcheck.store.ForwardingStore;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.DynamoFaultProxy;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Uploads through the real processing code, against moto (S3, DynamoDB, SQS, EventBridge) and NSD (DNS):
 * checked in one invocation, or split into chunks that the SQS handler works through as Lambda's event
 * source mapping would deliver them (batches of up to 10, failed messages left on the queue, moved to the
 * dead-letter queue after the template's maxReceiveCount). Each function's code runs with exactly the
 * permissions the template gives that function (see {@link MotoStack}).
 */
class S3UploadHandlerTest {

    static final String BUCKET = MotoStack.BUCKET;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TABLE = MotoStack.TABLE;

    /** How an upload is processed: all at once, or split into chunks of this many records (0: not split). */
    enum Mode {
        INLINE(0), SPLIT(2);

        final int chunkRecords;

        Mode(int chunkRecords) {
            this.chunkRecords = chunkRecords;
        }
    }

    private static final Checker checker = MotoStack.checker();
    private MotoStack stack;
    /** The test's own view (as an administrator): checking what the functions did. */
    private S3Client s3;
    private SqsClient sqs;
    private String queue;
    private DynamoResultStore store;

    @BeforeEach
    void fresh() {
        stack = new MotoStack();
        s3 = stack.admin.s3();
        sqs = stack.admin.sqs();
        queue = stack.chunkQueue;
        store = stack.store(stack.admin);
    }

    @AfterEach
    void enforcementOff() {
        stack.close();
    }

    /** The functions' environment, as the template sets it for this stack (chunks of one record inline). */
    private Map<String, String> environment() {
        return new HashMap<>(Map.of("TABLE_NAME", TABLE, "DNS_TIMEOUT_MS", "3000", "RESULT_RETENTION_DAYS", "1",
                "UPLOAD_BUCKET", BUCKET, "CHUNK_QUEUE_URL", queue, "INLINE_MAX_RECORDS", "1",
                "EVENT_BUS_NAME", "default"));
    }

    /** The upload function's code, with its permissions. */
    private UploadProcessor processor(Mode mode, int chunkRecords) {
        return processor(mode, chunkRecords, stack.store(stack.upload));
    }

    private UploadProcessor processor(Mode mode, int chunkRecords, ResultStore as) {
        Map<String, String> env = environment();
        env.put("DNS_SERVERS", Nsd.shared().hostPort());
        if (mode != Mode.SPLIT) {
            env.remove("CHUNK_QUEUE_URL");
        }
        AwsConfig config = AwsConfig.from(env);
        return new UploadProcessor(config, false, checker, stack.upload.s3(), stack.upload.sqs(), as,
                stack.events(stack.upload), chunkRecords);
    }

    /** The chunk function's code, with its permissions. */
    private SqsChunkHandler chunkHandler(ResultStore as) {
        return new SqsChunkHandler(Functions.chunkWorker(checker, as, stack.events(stack.chunk), new S3JobFiles(stack.chunk.s3(), BUCKET)),
                new Erasure(stack.chunk.s3(), BUCKET, as, null, stack.chunk::sqs, queue));
    }

    private SqsChunkHandler chunkHandler() {
        return chunkHandler(stack.store(stack.chunk));
    }

    /** The failure function's code, with its permissions. */
    private FailureHandler failureHandler() {
        ResultStore as = stack.store(stack.failures);
        EventBridgeEvents events = stack.events(stack.failures);
        AwsConfig config = AwsConfig.from(environment());
        return new FailureHandler(new UploadProcessor(config, checker, stack.failures.s3(), null, as, events),
                Functions.chunkWorker(checker, as, events, new S3JobFiles(stack.failures.s3(), BUCKET)));
    }

    private String put(String key, byte[] content) {
        return s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content)).eTag();
    }

    /** Uploads, processes the upload event, then every chunk until the queue is empty; the job as stored. */
    private Job upload(Mode mode, String key, byte[] content) {
        String etag = put(key, content);
        Job job = processor(mode, Math.max(1, mode.chunkRecords)).process(BUCKET, key, etag);
        drain(chunkHandler(), false);
        return store.job(job.id()).orElseThrow();
    }

    /**
     * Delivers the queue's messages to the handler in batches of 10, each batch in reverse order so that
     * chunks finish out of order; failed messages stay on the queue. With {@code twice}, every batch is
     * delivered a second time, as SQS's at-least-once delivery may. Returns the failures reported.
     */
    private int drain(SqsChunkHandler handler, boolean twice) {
        return drain(queue, stack.chunk.sqs(), handler::handleRequest, twice);
    }

    /** Delivers a queue's messages as Lambda's poller does, with the consuming function's role. */
    private static int drain(String queue, SqsClient sqs, BiFunction<SQSEvent, LocalContext, SQSBatchResponse> handler,
                             boolean twice) {
        int failures = 0;
        List<Message> batch;
        while (!(batch = sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10).visibilityTimeout(0))
                .messages()).isEmpty()) {
            SQSEvent event = QueueDrain.event(batch);
            Collections.reverse(event.getRecords()); // out of order, as a standard queue may deliver
            SQSBatchResponse response = handler.apply(event, new LocalContext("sqs"));
            if (twice) {
                handler.apply(event, new LocalContext("sqs"));
            }
            List<String> failed = response.getBatchItemFailures().stream()
                    .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
            failures += failed.size();
            for (Message m : batch) {
                if (!failed.contains(m.messageId())) {
                    sqs.deleteMessage(b -> b.queueUrl(queue).receiptHandle(m.receiptHandle()));
                }
            }
        }
        return failures;
    }

    private List<Map<String, String>> resultsFile(Job job) throws Exception {
        String csv = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(job.resultsKey())).asUtf8String();
        try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(csv)) {
            return rows.readAll();
        }
    }

    /** The bucket's keys under a prefix (filtered here: moto miscomputes the signature of a "prefix=work/" query). */
    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key)
                .filter(k -> k.startsWith(prefix)).toList();
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private void assertComplete(Job job, int expected) throws Exception {
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        assertEquals(expected, job.total());
        assertEquals(expected, job.counts().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(expected, DynamoResultStoreTest.count(stack.admin.dynamo(), job.id()));
        assertEquals(expected, resultsFile(job).size());
        assertEquals(List.of(), keys(S3JobFiles.WORK), "the parts of the results file are gone once it is assembled");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # mode | key                     | gzip  | content (\\n between lines)                                                                 | reasons in order
            INLINE | uploads/plain.txt       | false | a@good.checker.test\\n\\nnot an address\\nb@nullmx.checker.test\\na@good.checker.test           | accepts_mail invalid_syntax invalid_syntax null_mx accepts_mail
            SPLIT  | uploads/plain.txt       | false | a@good.checker.test\\n\\nnot an address\\nb@nullmx.checker.test\\na@good.checker.test           | accepts_mail invalid_syntax invalid_syntax null_mx accepts_mail
            INLINE | uploads/list.csv        | false | name,email\\n"Doe, Jane",jane@good.checker.test\\n"x ""y""\",bad@@x.test\\nNobody,                | accepts_mail invalid_syntax invalid_syntax
            SPLIT  | uploads/list.csv        | false | name,email\\n"Doe, Jane",jane@good.checker.test\\n"x ""y""\",bad@@x.test\\nNobody,                | accepts_mail invalid_syntax invalid_syntax
            INLINE | uploads/team/list.txt.gz | true | a@absent.checker.test\\nb@servfail.test\\n                                                       | no_such_domain dns_failure
            SPLIT  | uploads/team/list.txt.gz | true | a@absent.checker.test\\nb@servfail.test\\nc@good.checker.test                                    | no_such_domain dns_failure accepts_mail
            """)
    void everyLineGetsOneStoredResultAndOneResultsRow(Mode mode, String key, boolean gz, String content, String reasons)
            throws Exception {
        String text = content.replace("\\n", "\n");
        Job job = upload(mode, key, gz ? gzip(text) : text.getBytes(StandardCharsets.UTF_8));
        List<String> expected = List.of(reasons.split(" "));
        assertComplete(job, expected.size());
        assertEquals(expected, resultsFile(job).stream().map(r -> r.get("reason")).toList());
        assertEquals(UploadProcessor.resultsKey(key, job.id()), job.resultsKey());
        assertEquals(mode == Mode.SPLIT ? (expected.size() + 1) / 2 : 0, job.chunks());
    }

    /**
     * The address column of an uploaded CSV: the one its metadata names ({@code x-amz-meta-address-column}, RFC 2047
     * encoded when not ASCII, as S3 returns such values), else the one whose header is named like an address
     * column; with neither, the job fails at once with an error naming the headers found (no retry reads
     * another column) and a "Job Finished" event that says failed.
     */
    @ParameterizedTest(name = "{0} {1} column={3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # mode | content (\\n between lines)                                            | metadata column             | status | reasons in order, or the error ends
            INLINE | Name,Email Address\\nJane,jane@good.checker.test\\nBob,bob@nullmx.checker.test | -                     | done   | accepts_mail null_mx
            SPLIT  | Name,Email Address\\nJane,jane@good.checker.test\\nBob,bob@nullmx.checker.test | -                     | done   | accepts_mail null_mx
            INLINE | id,mail\\n1,jane@good.checker.test                                      | -                           | done   | accepts_mail
            INLINE | email,work\\nold@nullmx.checker.test,jane@good.checker.test             | work                        | done   | accepts_mail
            SPLIT  | email,work\\nold@nullmx.checker.test,jane@good.checker.test             | work                        | done   | accepts_mail
            INLINE | nom,correo electrónico\\nJ,jane@good.checker.test                      | =?UTF-8?Q?correo_electr=C3=B3nico?= | done | accepts_mail
            INLINE | name,contact\\nJane,jane@good.checker.test                              | -                           | failed | its columns are: name, contact
            SPLIT  | name,contact\\nJane,jane@good.checker.test                              | -                           | failed | its columns are: name, contact
            INLINE | name,email\\nJane,jane@good.checker.test                                | Mail                        | failed | no 'Mail' column; its columns are: name, email
            SPLIT  | Vorname;E-Mail-Adresse\\nJane;jane@good.checker.test\\nBob;bob@nullmx.checker.test | -                 | done   | accepts_mail null_mx
            INLINE | Name;Email\\n"Doe, Jane";jane@good.checker.test                       | -                           | done   | accepts_mail
            INLINE | Vorname;Nachname\\nJane;jane@good.checker.test                        | -                           | failed | its columns are: Vorname, Nachname
            """)
    void theAddressColumnIsNamedOrFoundOrTheJobFailsNamingTheHeaders(Mode mode, String content, String column,
                                                                      String status, String says) throws Exception {
        String key = "uploads/columns.csv";
        String etag = s3.putObject(b -> b.bucket(BUCKET).key(key)
                .metadata(column == null ? Map.of() : Map.of(AddressColumn.METADATA, column)),
                RequestBody.fromString(content.replace("\\n", "\n"))).eTag();
        Job job = processor(mode, Math.max(1, mode.chunkRecords)).process(BUCKET, key, etag);
        drain(chunkHandler(), false);
        job = store.job(job.id()).orElseThrow();
        assertEquals(status, job.status().code(), job.toString());
        if (status.equals(JobStatus.DONE.code())) {
            List<String> expected = List.of(says.split(" "));
            assertComplete(job, expected.size());
            assertEquals(expected, resultsFile(job).stream().map(r -> r.get("reason")).toList());
        } else {
            assertTrue(job.error().endsWith(says), job.error());
            assertEquals(0, DynamoResultStoreTest.count(stack.admin.dynamo(), job.id()));
            assertEquals(List.of("failed"), stack.jobEvents().stream().map(d -> d.get("status").asText()).toList());
        }
    }

    @ParameterizedTest
    @CsvSource({"INLINE", "SPLIT"})
    void theSameUploadProcessedTwiceDoesNotDuplicate(Mode mode) throws Exception {
        byte[] list = "a@good.checker.test\nb@good.checker.test\nb@good.checker.test\n".getBytes(StandardCharsets.UTF_8);
        Job first = upload(mode, "uploads/twice.txt", list);
        Job second = upload(mode, "uploads/twice.txt", list);
        assertEquals(first.id(), second.id());
        assertEquals(first.created(), second.created());
        assertComplete(second, 3);
        assertEquals(Map.of(Verdict.DELIVERABLE, 3L), second.counts());
    }

    /**
     * The same upload handled by two invocations at once (Lambda may invoke a function twice for one event): the
     * second passed the check for a job already split before the first stored its chunk count, and splits while the
     * first's chunks end the job. Its chunk count is stored only on a job still running unsplit, so the ended job
     * stays ended, announced once, complete. Before (found by a review), the second split stored the job
     * {@code running} again over its end: its chunks were checked again and the job ended a second time (two events;
     * a job erased in between came back).
     */
    @Test
    void aSecondSplitOfTheSameUploadAtOnceNeverReopensItsJob() throws Exception {
        String key = "uploads/twice-at-once.txt";
        String etag = put(key, "a@good.checker.test\nb@nullmx.checker.test\nc@good.checker.test\n"
                .getBytes(StandardCharsets.UTF_8));
        AtomicBoolean first = new AtomicBoolean(true);
        ResultStore racing = new ForwardingStore(stack.store(stack.upload)) {
            @Override
            public void putJob(Job job) {
                super.putJob(job);
                if (job.chunks() == 0 && first.getAndSet(false)) {
                    // The other invocation, from the same check on, to its job's end.
                    processor(Mode.SPLIT, 1).process(BUCKET, key, etag);
                    drain(chunkHandler(), false);
                }
            }
        };
        processor(Mode.SPLIT, 1, racing).process(BUCKET, key, etag);
        drain(chunkHandler(), false);
        Job job = store.job(UploadProcessor.jobId(BUCKET, key, etag)).orElseThrow();
        assertEquals(List.of("done"), stack.jobEvents().stream().map(d -> d.get("status").asText()).toList());
        assertComplete(job, 3);
    }

    private List<String> addresses(Job job) throws Exception {
        return resultsFile(job).stream().map(r -> r.get("address")).toList();
    }

    /**
     * Two versions of one key, split lists interleaved (the first one's chunks still queued when the second
     * arrives), and list.csv beside list.txt: each upload is a job with its own results file, and each
     * "Job Finished" event names its own.
     */
    @ParameterizedTest
    @CsvSource({"INLINE", "SPLIT"})
    void everyUploadIsAJobWithItsOwnResults(Mode mode) throws Exception {
        UploadProcessor processor = processor(mode, 1);
        Job first = processor.process(BUCKET, "uploads/list.txt", put("uploads/list.txt",
                "a@good.checker.test\nb@good.checker.test\n".getBytes(StandardCharsets.UTF_8)));
        Job second = processor.process(BUCKET, "uploads/list.txt", put("uploads/list.txt",
                "c@nullmx.checker.test\n".getBytes(StandardCharsets.UTF_8)));
        Job beside = processor.process(BUCKET, "uploads/list.csv", put("uploads/list.csv",
                "email\nd@absent.checker.test\n".getBytes(StandardCharsets.UTF_8)));
        drain(chunkHandler(), false);
        Map<String, List<String>> expected = Map.of(first.id(), List.of("a@good.checker.test", "b@good.checker.test"),
                second.id(), List.of("c@nullmx.checker.test"), beside.id(), List.of("d@absent.checker.test"));
        assertEquals(3, expected.size(), "three jobs");
        Set<String> files = new HashSet<>();
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            Job job = store.job(e.getKey()).orElseThrow();
            assertComplete(job, e.getValue().size());
            assertEquals(e.getValue(), addresses(job));
            files.add(job.resultsKey());
        }
        assertEquals(3, files.size(), files::toString);
        Map<String, String> announced = new HashMap<>();
        stack.jobEvents().forEach(d -> announced.put(d.get("id").asText(), d.get("results_key").asText()));
        assertEquals(expected.keySet(), announced.keySet());
        announced.forEach((id, key) -> assertEquals(store.job(id).orElseThrow().resultsKey(), key));
    }

    /**
     * The event of an upload arrives only after the key was overwritten: that job ends failed, saying so,
     * rather than checking (and reporting as its own) the newer list, which is a job of its own.
     */
    @Test
    void anOlderUploadNeverTakesTheNewerOnesList() throws Exception {
        String older = put("uploads/late.txt", "a@good.checker.test\n".getBytes(StandardCharsets.UTF_8));
        String newer = put("uploads/late.txt", "b@nullmx.checker.test\n".getBytes(StandardCharsets.UTF_8));
        Job current = processor(Mode.INLINE, 1).process(BUCKET, "uploads/late.txt", newer.replace("\"", ""));
        Job stale = processor(Mode.INLINE, 1).process(BUCKET, "uploads/late.txt", older.replace("\"", ""));
        assertEquals(JobStatus.FAILED, store.job(stale.id()).orElseThrow().status());
        assertTrue(stale.error().contains("replaced by a newer upload"), stale.error());
        assertEquals(0, DynamoResultStoreTest.count(stack.admin.dynamo(), stale.id()));
        assertComplete(store.job(current.id()).orElseThrow(), 1);
        assertEquals(List.of("b@nullmx.checker.test"), addresses(current));
    }

    /**
     * An upload deleted before its event is processed: a 404 (the template lets the upload function list
     * the bucket; S3 answers 403 otherwise), so the job ends failed, saying so, instead of being retried.
     */
    @Test
    void anUploadDeletedBeforeItIsReadEndsFailed() {
        String etag = put("uploads/gone.txt", "a@good.checker.test\n".getBytes(StandardCharsets.UTF_8));
        s3.deleteObject(b -> b.bucket(BUCKET).key("uploads/gone.txt"));
        Job job = processor(Mode.INLINE, 1).process(BUCKET, "uploads/gone.txt", etag);
        assertEquals(JobStatus.FAILED, store.job(job.id()).orElseThrow().status());
        assertEquals("the object was deleted before it was read", job.error());
        assertEquals(List.of("failed"), stack.jobEvents().stream().map(d -> d.get("status").asText()).toList());
    }

    /** S3 delivers events at least once: the same event again finds its job and does nothing more. */
    @ParameterizedTest
    @CsvSource({"INLINE", "SPLIT"})
    void anEventDeliveredAgainLeavesItsJobAlone(Mode mode) throws Exception {
        String etag = put("uploads/again.txt", "a@good.checker.test\nb@x\nc@good.checker.test\n".getBytes(StandardCharsets.UTF_8));
        Job first = processor(mode, 1).process(BUCKET, "uploads/again.txt", etag);
        Job again = processor(mode, 1).process(BUCKET, "uploads/again.txt", etag);
        assertEquals(first, again);
        String queued = sqs.getQueueAttributes(b -> b.queueUrl(queue)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        assertEquals(mode == Mode.SPLIT ? "3" : "0", queued, "chunks sent once");
        drain(chunkHandler(), false);
        assertComplete(store.job(first.id()).orElseThrow(), 3);
        assertEquals(1, stack.jobEvents().size(), "announced once");
    }

    /**
     * Chunks that fail on every delivery reach the dead-letter queue, whose consumer ends the job: partial
     * when some chunks got through, failed when none did; with the reason, the count of records not checked, and a
     * "Job Finished" event saying the same. The results file (and the stored results) still has one row per input
     * line, in order: those of the chunks given up on say they were not checked, and why.
     */
    @ParameterizedTest(name = "{0} of 3 chunks fail")
    @CsvSource({"1, partial", "3, failed"})
    void chunksInTheDeadLetterQueueEndTheirJob(int failing, String status) throws Exception {
        String etag = put("uploads/dead.txt", "a@good.checker.test\nb@good.checker.test\nc@good.checker.test\n"
                .getBytes(StandardCharsets.UTF_8));
        Job job = processor(Mode.SPLIT, 1).process(BUCKET, "uploads/dead.txt", etag);
        ResultStore broken = new ForwardingStore(stack.store(stack.chunk)) {
            @Override
            public void putResults(String jobId, List<Positioned> results) {
                if (results.stream().anyMatch(p -> p.position() >= 3 - failing)) {
                    throw new IllegalStateException("this chunk always fails");
                }
                super.putResults(jobId, results);
            }
        };
        drain(chunkHandler(broken), false);
        assertEquals(JobStatus.RUNNING, store.job(job.id()).orElseThrow().status(), "running until the dead letters are read");
        assertEquals(0, drain(stack.deadLetterQueue, stack.failures.sqs(), failureHandler()::handleRequest, false));
        Job ended = store.job(job.id()).orElseThrow();
        assertEquals(status, ended.status().code());
        assertEquals(3 - failing, ended.total());
        assertEquals(failing, ended.notChecked());
        assertTrue(ended.error().startsWith(failing + " of 3 chunks could not be checked"), ended.error());
        List<Map<String, String>> rows = resultsFile(ended);
        assertEquals(List.of("a@good.checker.test", "b@good.checker.test", "c@good.checker.test"),
                rows.stream().map(r -> r.get("address")).toList());
        List<String> reasons = new ArrayList<>(Collections.nCopies(3 - failing, "accepts_mail"));
        reasons.addAll(Collections.nCopies(failing, "unverifiable"));
        assertEquals(reasons, rows.stream().map(r -> r.get("reason")).toList(), rows::toString);
        assertTrue(rows.subList(3 - failing, 3).stream().allMatch(r -> r.get("detail").startsWith("Not checked: its chunk"
                + " of the job (chunk " + (r.get("address").charAt(0) - 'a') + ", records ")
                && r.get("detail").contains("dead-letter queue")), rows::toString);
        List<String> stored = store.results(job.id(), null, 10).results();
        assertEquals(3, stored.size(), stored::toString);
        assertTrue(stored.get(2).contains("\"reason\":\"unverifiable\""), stored.get(2));
        assertEquals(List.of(), keys(S3JobFiles.WORK));
        List<JsonNode> events = stack.jobEvents();
        assertEquals(1, events.size());
        assertEquals(status, events.getFirst().get("status").asText());
        assertEquals(failing, events.getFirst().get("not_checked").asLong());
        assertEquals(3 - failing, events.getFirst().get("total").asLong());
    }

    /**
     * The last step (assembling the results file) fails on every try, here because a part is gone (the work/
     * lifecycle rule expired it while the job waited; in Lambda also a denied or failing S3): the chunk that
     * completes the job is retried until the dead-letter queue, whose function has the last word and ends the
     * job failed, saying why, instead of failing the same way for the queue's 14 days. The job can then be
     * read and erased.
     */
    @Test
    void aResultsFileThatCannotBeAssembledEndsTheJobFailedAndItCanBeErased() throws Exception {
        String etag = put("uploads/lost.txt", "a@good.checker.test\nb@good.checker.test\nc@nullmx.checker.test\n"
                .getBytes(StandardCharsets.UTF_8));
        Job job = processor(Mode.SPLIT, 1).process(BUCKET, "uploads/lost.txt", etag);
        ResultStore losing = new ForwardingStore(stack.store(stack.chunk)) {
            @Override
            public void putChunk(String jobId, int chunk, dev.mailcheck.store.Tally tally) {
                super.putChunk(jobId, chunk, tally);
                s3.deleteObject(b -> b.bucket(BUCKET).key(S3JobFiles.partKey(jobId, 0)));
            }
        };
        assertTrue(drain(chunkHandler(losing), false) > 0, "the chunk that completes the job fails its tries");
        assertEquals(JobStatus.RUNNING, store.job(job.id()).orElseThrow().status());
        // One delivery of the dead letters, not a drain: before, the failure function failed here on every try.
        List<Message> dead = stack.failures.sqs().receiveMessage(r -> r.queueUrl(stack.deadLetterQueue)
                .maxNumberOfMessages(10)).messages();
        assertEquals(1, dead.size(), "the chunk that completes the job");
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(dead.getFirst().messageId());
        record.setBody(dead.getFirst().body());
        event.setRecords(List.of(record));
        assertEquals(List.of(), failureHandler().handleRequest(event, new LocalContext("failures")).getBatchItemFailures(),
                "the failure function ends the job instead of failing again");

        Job ended = store.job(job.id()).orElseThrow();
        assertEquals(List.of(JobStatus.FAILED, 3L, 0L), List.of(ended.status(), ended.total(), ended.notChecked()));
        assertTrue(ended.error().startsWith("the results file could not be assembled") && ended.error().contains("missing"),
                ended.error());
        assertNull(ended.resultsKey());
        assertEquals(List.of(), keys(S3JobFiles.WORK));
        assertEquals(List.of(), keys(UploadProcessor.RESULTS), "no half-written results file");
        assertEquals(List.of("failed"), stack.jobEvents().stream().map(d -> d.get("status").asText()).toList());
        Api api = new Api(checker, null, stack.store(stack.api), S3JobsTest.jobs(stack, stack.store(stack.api),
                ApiHandler.ERASE_FOR), List.of());
        Api.Response erased = api.handle(new Api.Request("DELETE", "/v1/jobs/" + job.id(), Map.of(), Map.of(), null));
        assertEquals(204, erased.status(), erased.body());
        assertEquals(List.of(), keys(""));
    }

    /**
     * The upload function breaks off mid-list (here its store dies after the first slice; in Lambda also a
     * crash or a timeout) on every try: Lambda's on-failure record ends the job failed, with the reason and
     * the counts of what was checked before; GET /v1/jobs/{id} shows it.
     */
    @Test
    void anUploadTheFunctionGivesUpOnEndsFailed() throws Exception {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 700; i++) {
            list.append("user").append(i).append(i % 2 == 0 ? "@good.checker.test\n" : "@nullmx.checker.test\n");
        }
        String etag = put("uploads/crm export.csv", ("email\n" + list).getBytes(StandardCharsets.UTF_8));
        ResultStore dying = new ForwardingStore(stack.store(stack.upload)) {
            private int slices;

            @Override
            public void putResults(String jobId, List<Positioned> results) {
                if (slices++ == 1) {
                    throw new IllegalStateException("Task timed out after 900.00 seconds");
                }
                super.putResults(jobId, results);
            }
        };
        IllegalStateException crash = assertThrows(IllegalStateException.class,
                () -> processor(Mode.INLINE, 1, dying).process(BUCKET, "uploads/crm export.csv", etag.replace("\"", "")));
        String id = UploadProcessor.jobId(BUCKET, "uploads/crm export.csv", etag);
        assertEquals(JobStatus.RUNNING, store.job(id).orElseThrow().status());
        String record = onFailureRecord("uploads/crm+export.csv", etag.replace("\"", ""), crash.getMessage());
        stack.admin.sqs().sendMessage(b -> b.queueUrl(stack.failureQueue).messageBody(record));
        assertEquals(0, drain(stack.failureQueue, stack.failures.sqs(), failureHandler()::handleRequest, false));

        JsonNode shown = JSON.readTree(new Api(checker, null, store, null, List.of())
                .handle(new Api.Request("GET", "/v1/jobs/" + id, Map.of(), Map.of(), null)).body());
        assertEquals("failed", shown.get("status").asText());
        assertEquals(StoredRun.SLICE, shown.get("total").asLong(), shown::toString);
        assertEquals(StoredRun.SLICE / 2, shown.at("/counts/deliverable").asLong(), shown::toString);
        assertTrue(shown.get("not_checked").isNull(), "the list was not read to its end: unknown");
        assertTrue(shown.get("error").asText().contains("RetriesExhausted after 3 tries")
                && shown.get("error").asText().contains("Task timed out"), shown::toString);
        assertEquals(List.of("failed"), stack.jobEvents().stream().map(d -> d.get("status").asText()).toList());
    }

    /**
     * An upload's on-failure record handled after its job is gone: the failure function's first try stored the job's
     * end and broke off before SQS deleted the record (or its batch response was lost), the job was erased with
     * DELETE meanwhile, and the record came back. The job stays erased (410, no second announcement). Before (found
     * by a review), a job not in the table was taken for one never stored and stored anew, {@code failed}: the erased
     * job was back, with a results key and no file. One never stored still ends {@code failed}.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            never stored (every try failed before)  | 200 | failed
            ended, then erased with DELETE           | 410 |
            """)
    void aLateGiveUpOfAnUploadNeverBringsBackAnErasedJob(String before, int status, String announced) throws Exception {
        String key = "uploads/late.txt";
        String etag = put(key, "ann@good.checker.test\n".getBytes(StandardCharsets.UTF_8)).replace("\"", "");
        String id = UploadProcessor.jobId(BUCKET, key, etag);
        Api api = new Api(checker, null, stack.store(stack.api), S3JobsTest.jobs(stack, stack.store(stack.api),
                ApiHandler.ERASE_FOR), List.of());
        if (before.startsWith("ended")) {
            assertEquals(JobStatus.DONE, processor(Mode.INLINE, 1).process(BUCKET, key, etag).status());
            assertEquals(204, api.handle(new Api.Request("DELETE", "/v1/jobs/" + id, Map.of(), Map.of(), null)).status());
            stack.jobEvents();
        }
        String record = onFailureRecord(key, etag, "Task timed out after 900.00 seconds");
        stack.admin.sqs().sendMessage(b -> b.queueUrl(stack.failureQueue).messageBody(record));
        assertEquals(0, drain(stack.failureQueue, stack.failures.sqs(), failureHandler()::handleRequest, false));

        Api.Response shown = api.handle(new Api.Request("GET", "/v1/jobs/" + id, Map.of(), Map.of(), null));
        assertEquals(status, shown.status(), shown.body());
        assertEquals(announced == null ? List.of() : List.of(announced),
                stack.jobEvents().stream().map(d -> d.get("status").asText()).toList());
    }

    /** What Lambda's on-failure destination sends for an S3 event the function failed on three times. */
    private static String onFailureRecord(String encodedKey, String etag, String error) throws Exception {
        JsonNode sample = JSON.readTree(JSON.readTree(Files.readString(Path.of("events/failures-upload.json")))
                .at("/Records/0/body").asText());
        ((ObjectNode) sample.at("/requestPayload/Records/0/s3/object")).put("key", encodedKey).put("eTag", etag);
        ((ObjectNode) sample.at("/requestPayload/Records/0/s3/bucket")).put("name", BUCKET);
        ((ObjectNode) sample.get("responsePayload")).put("errorMessage", error).put("errorType", "java.lang.IllegalStateException");
        return sample.toString();
    }

    @Test
    void everyChunkDeliveredTwiceStillCountsOnce() throws Exception {
        String etag = s3.putObject(b -> b.bucket(BUCKET).key("uploads/dup.txt"),
                RequestBody.fromString("a@good.checker.test\nb@nullmx.checker.test\nc@absent.checker.test\nd\ne@good.checker.test\n"))
                .eTag();
        Job job = processor(Mode.SPLIT, 2).process(BUCKET, "uploads/dup.txt", etag);
        assertEquals(0, drain(chunkHandler(), true));
        Job done = store.job(job.id()).orElseThrow();
        assertComplete(done, 5);
        assertEquals(Map.of(Verdict.DELIVERABLE, 2L, Verdict.UNDELIVERABLE, 3L), done.counts());
    }

    /**
     * A worker that dies part-way through a chunk (its store fails once, after the chunk's first slice)
     * reports that message alone; the next delivery completes it, and nothing is lost or doubled.
     */
    @Test
    void aChunkThatFailsIsRetriedAloneAndNothingIsLost() throws Exception {
        String etag = s3.putObject(b -> b.bucket(BUCKET).key("uploads/crash.txt"),
                RequestBody.fromString("a@good.checker.test\nb@good.checker.test\nc@good.checker.test\nnot one\n")).eTag();
        Job job = processor(Mode.SPLIT, 1).process(BUCKET, "uploads/crash.txt", etag);
        AtomicInteger writes = new AtomicInteger();
        ResultStore dying = new ForwardingStore(stack.store(stack.chunk)) {
            @Override
            public void putResults(String jobId, List<Positioned> results) {
                super.putResults(jobId, results);
                if (writes.incrementAndGet() == 3) {
                    throw new IllegalStateException("killed mid-chunk");
                }
            }
        };
        assertEquals(1, drain(chunkHandler(dying), false));
        assertComplete(store.job(job.id()).orElseThrow(), 4);
    }

    /**
     * DynamoDB refusing writes (ProvisionedThroughputExceededException) five times in a row: the SDK backs
     * off and tries again (a chunk that still fails is delivered again by SQS, as the killed-worker test
     * shows); every result is stored once.
     */
    @Test
    void throttledWritesAreRetriedUntilNothingIsLost() throws Exception {
        String etag = s3.putObject(b -> b.bucket(BUCKET).key("uploads/throttled.txt"),
                RequestBody.fromString("a@good.checker.test\nb@nullmx.checker.test\nc@good.checker.test\nd@x\n"
                        + "e@good.checker.test\nf@absent.checker.test\n")).eTag();
        Job job = processor(Mode.SPLIT, 2).process(BUCKET, "uploads/throttled.txt", etag);
        // The proxy sends its requests with its own Host header, which breaks their signatures.
        Moto.shared().enforceIam(false);
        try (DynamoFaultProxy proxy = new DynamoFaultProxy(Moto.shared().endpoint(), 5, DynamoFaultProxy.Fault.THROTTLED)) {
            DynamoResultStore throttled = new DynamoResultStore(
                    new Moto.Clients(proxy.endpoint(), stack.chunk.credentials()).dynamo(), TABLE, Duration.ofDays(1), SmtpCodes::link);
            drain(chunkHandler(throttled), false);
            assertEquals(5, proxy.injected());
        }
        assertComplete(store.job(job.id()).orElseThrow(), 6);
    }

    @Test
    void aMessageThatIsNotAChunkFailsAlone() {
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage garbage = new SQSEvent.SQSMessage();
        garbage.setMessageId("garbage");
        garbage.setBody("{not a chunk");
        SQSEvent.SQSMessage chunk = new SQSEvent.SQSMessage();
        chunk.setMessageId("chunk");
        chunk.setBody(new Chunk("j", "results/j.csv", 0, 0, List.of(new InputRecords.Input("a@good.checker.test", null)),
                dev.mailcheck.jobs.SmtpDepth.NONE).toJson());
        event.setRecords(List.of(garbage, chunk));
        Instant now = Instant.now();
        store.putJob(new Job("j", "s3://" + BUCKET + "/uploads/j.txt", JobStatus.RUNNING, 0, Map.of(), now, now,
                "results/j.csv", 1));
        SQSBatchResponse response = chunkHandler().handleRequest(event, new LocalContext("sqs"));
        assertEquals(List.of("garbage"), response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        assertEquals(1, store.results("j", null, 10).results().size());
    }

    /**
     * A chunk whose job is not in the table (erased, expired by its TTL, or a stray message such as a sample event
     * replayed on an empty table; before: "4 results", the results stored under a job nobody can see and an
     * orphan part left under work/): skipped, said so, nothing written, and not retried.
     */
    @Test
    void aChunkOfAnUnknownJobIsSkippedAndWritesNothing() {
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage chunk = new SQSEvent.SQSMessage();
        chunk.setMessageId("chunk");
        chunk.setBody(new Chunk("s3-unknown", "results/x.csv", 0, 0,
                List.of(new InputRecords.Input("a@good.checker.test", null)), dev.mailcheck.jobs.SmtpDepth.NONE).toJson());
        event.setRecords(List.of(chunk));
        SQSBatchResponse response = chunkHandler().handleRequest(event, new LocalContext("sqs"));
        assertEquals(List.of(), response.getBatchItemFailures());
        assertEquals(List.of(), store.results("s3-unknown", null, 10).results());
        assertEquals(List.of(), keys(S3JobFiles.WORK));
        assertTrue(store.chunks("s3-unknown").isEmpty());
    }

    /**
     * Fifty chunks of a gzip list, every one stored, assembled and counted: what only a list of many chunks shows.
     * 10,000 lines in chunks of 200, not 100,000 in chunks of 2,000 (over 200 s against moto, for no more proof);
     * the million-line run through the deployed handler is bench/run's memory section.
     */
    @Test
    void fiftyChunksInEqualsOut() throws Exception {
        // The permissions are those of the smaller lists; without IAM checks moto answers faster.
        Moto.shared().enforceIam(false);
        StringBuilder list = new StringBuilder();
        List<String> domains = List.of("good.checker.test", "nullmx.checker.test", "absent.checker.test",
                "implicit-a.checker.test", "mx-cname.checker.test");
        for (int i = 0; i < 10_000; i++) {
            list.append(i % 1000 == 7 ? "broken line " + i : "user" + i + "@" + domains.get(i % domains.size())).append('\n');
        }
        String etag = s3.putObject(b -> b.bucket(BUCKET).key("uploads/big.txt.gz"), RequestBody.fromBytes(gzip(list.toString())))
                .eTag();
        Job job = processor(Mode.SPLIT, 200).process(BUCKET, "uploads/big.txt.gz", etag);
        assertEquals(50, job.chunks());
        drain(chunkHandler(), false);
        assertComplete(store.job(job.id()).orElseThrow(), 10_000);
    }

    /**
     * What a split job asks of DynamoDB, counted on a run of 4,000 lines in chunks of 2,000 (docs/aws.md extrapolates
     * these to 1,000,000 and 10,000,000 lines): every result is one item written once, 25 to a BatchWriteItem, and
     * each chunk adds only a few requests of its own.
     */
    @Test
    void aSplitJobsDynamoDbRequestsAreCounted() {
        Map<String, Integer> calls = new TreeMap<>();
        AtomicInteger written = new AtomicInteger();
        Function<Moto.Clients, DynamoResultStore> counted = as -> {
            DynamoDbClient real = as.dynamo();
            // Counting in process: moto keeps no request log.
            var client = (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                    new Class<?>[] {DynamoDbClient.class},
                    (proxy, method, args) -> {
                        synchronized (calls) {
                            calls.merge(method.getName(), 1, Integer::sum);
                        }
                        if (method.getName().equals("batchWriteItem") && args[0] instanceof Consumer<?> build) {
                            BatchWriteItemRequest.Builder request = BatchWriteItemRequest.builder();
                            @SuppressWarnings("unchecked")
                            Consumer<BatchWriteItemRequest.Builder> writes = (Consumer<BatchWriteItemRequest.Builder>) build;
                            writes.accept(request);
                            request.build().requestItems().values().forEach(w -> written.addAndGet(w.size()));
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            return new DynamoResultStore(client, TABLE, Duration.ofDays(1), SmtpCodes::link);
        };
        int lines = 4_000;
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            list.append("user").append(i).append("@good.checker.test\n");
        }
        String key = UploadProcessor.UPLOADS + "counted.txt";
        String etag = put(key, list.toString().getBytes(StandardCharsets.UTF_8));
        Job job = processor(Mode.SPLIT, 2_000, counted.apply(stack.upload)).process(BUCKET, key, etag);
        drain(chunkHandler(counted.apply(stack.chunk)), false);
        assertEquals(JobStatus.DONE, store.job(job.id()).orElseThrow().status());

        assertEquals(lines / BatchWrites.BATCH, calls.get("batchWriteItem"), calls::toString);
        assertEquals(lines, written.get(), "one item a result, written once");
        int others = calls.values().stream().mapToInt(Integer::intValue).sum() - calls.get("batchWriteItem");
        // Measured: {batchWriteItem=160, getItem=6, putItem=5, queryPaginator=8}: about 10 a chunk besides its 80 batches.
        assertTrue(others <= 2 * 12, "a few requests a chunk besides the results': " + calls);
        System.out.println("DynamoDB requests for " + lines + " lines in 2 chunks: " + calls);
    }
}
