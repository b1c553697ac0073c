package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.Verdict;
import dev.mailcheck.cli.LocalContext;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.DynamoFaultProxy;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.verdict.Checker;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Uploads through the real processing code, against moto (S3, DynamoDB, SQS) and NSD (DNS): checked in
 * one invocation, or split into chunks that the SQS handler works through as Lambda's event source
 * mapping would deliver them (batches of up to 10, failed messages left on the queue).
 */
class S3UploadHandlerTest {

    static final String BUCKET = "checker-uploads";
    static final String TABLE = DynamoResultStoreTest.TABLE;

    /** How an upload is processed: all at once, or split into chunks of this many records (0: not split). */
    enum Mode {
        INLINE(0), SPLIT(2);

        final int chunkRecords;

        Mode(int chunkRecords) {
            this.chunkRecords = chunkRecords;
        }
    }

    private static MxResolver dns;
    private static Checker checker;
    private S3Client s3;
    private SqsClient sqs;
    private String queue;
    private DynamoResultStore store;

    @BeforeAll
    static void resolver() {
        dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), MxResolver.DEFAULT_MAX_IN_FLIGHT, true);
        checker = new Checker(dns);
    }

    @AfterAll
    static void close() {
        dns.close();
    }

    @BeforeEach
    void fresh() {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(TABLE));
        s3 = Moto.shared().s3();
        s3.createBucket(b -> b.bucket(BUCKET));
        sqs = Moto.shared().sqs();
        queue = sqs.createQueue(b -> b.queueName("chunks")).queueUrl();
        store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(1));
    }

    private UploadProcessor processor(Mode mode, int chunkRecords) {
        AwsConfig config = new AwsConfig(TABLE, List.of(Nsd.shared().address()), Duration.ofSeconds(3), Duration.ofDays(1),
                List.of(), BUCKET, mode == Mode.SPLIT ? queue : null, 1, null, false);
        return new UploadProcessor(config, checker, s3, sqs, store, chunkRecords);
    }

    /** Uploads, processes the upload event, then every chunk until the queue is empty; the job as stored. */
    private Job upload(Mode mode, String key, byte[] content) {
        String etag = s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content)).eTag();
        Job job = processor(mode, Math.max(1, mode.chunkRecords)).process(BUCKET, key, etag);
        drain(new SqsChunkHandler(new ChunkProcessor(checker, s3, store)), false);
        return store.job(job.id()).orElseThrow();
    }

    /**
     * Delivers the queue's messages to the handler in batches of 10, each batch in reverse order so that
     * chunks finish out of order; failed messages stay on the queue. With {@code twice}, every batch is
     * delivered a second time, as SQS's at-least-once delivery may. Returns the failures reported.
     */
    private int drain(SqsChunkHandler handler, boolean twice) {
        int failures = 0;
        List<Message> batch;
        while (!(batch = sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10).visibilityTimeout(0))
                .messages()).isEmpty()) {
            SQSEvent event = new SQSEvent();
            List<SQSEvent.SQSMessage> records = new ArrayList<>();
            for (Message m : batch) {
                SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
                r.setMessageId(m.messageId());
                r.setReceiptHandle(m.receiptHandle());
                r.setBody(m.body());
                records.add(r);
            }
            Collections.reverse(records);
            event.setRecords(records);
            SQSBatchResponse response = handler.handleRequest(event, new LocalContext("sqs"));
            if (twice) {
                handler.handleRequest(event, new LocalContext("sqs"));
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

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private void assertComplete(Job job, int expected) throws Exception {
        assertEquals(Job.DONE, job.status(), job.toString());
        assertEquals(expected, job.total());
        assertEquals(expected, job.counts().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(expected, DynamoResultStoreTest.count(Moto.shared().dynamo(), job.id()));
        assertEquals(expected, resultsFile(job).size());
        assertTrue(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(UploadProcessor.WORK)).contents().isEmpty(),
                "the parts of the results file are gone once it is assembled");
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
        assertEquals(UploadProcessor.resultsKey(key), job.resultsKey());
        assertEquals(mode == Mode.SPLIT ? (expected.size() + 1) / 2 : 0, job.chunks());
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

    @Test
    void everyChunkDeliveredTwiceStillCountsOnce() throws Exception {
        String etag = s3.putObject(b -> b.bucket(BUCKET).key("uploads/dup.txt"),
                RequestBody.fromString("a@good.checker.test\nb@nullmx.checker.test\nc@absent.checker.test\nd\ne@good.checker.test\n"))
                .eTag();
        Job job = processor(Mode.SPLIT, 2).process(BUCKET, "uploads/dup.txt", etag);
        assertEquals(0, drain(new SqsChunkHandler(new ChunkProcessor(checker, s3, store)), true));
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
        ResultStore dying = new ForwardingStore(store) {
            @Override
            public void putResults(String jobId, List<Positioned> results) {
                super.putResults(jobId, results);
                if (writes.incrementAndGet() == 3) {
                    throw new IllegalStateException("killed mid-chunk");
                }
            }
        };
        assertEquals(1, drain(new SqsChunkHandler(new ChunkProcessor(checker, s3, dying)), false));
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
        try (DynamoFaultProxy proxy = new DynamoFaultProxy(Moto.shared().endpoint(), 5, DynamoFaultProxy.Fault.THROTTLED)) {
            DynamoResultStore throttled = new DynamoResultStore(Moto.dynamo(proxy.endpoint()), TABLE, Duration.ofDays(1));
            drain(new SqsChunkHandler(new ChunkProcessor(checker, s3, throttled)), false);
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
        chunk.setBody(new Chunk("j", BUCKET, "results/j.csv", 0, 0, List.of(new InputRecords.Input("a@good.checker.test", null)))
                .toJson());
        event.setRecords(List.of(garbage, chunk));
        SQSBatchResponse response = new SqsChunkHandler(new ChunkProcessor(checker, s3, store))
                .handleRequest(event, new LocalContext("sqs"));
        assertEquals(List.of("garbage"), response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        assertEquals(1, store.results("j", null, 10).results().size());
    }

    @Test
    void aHundredThousandLinesInEqualsOut() throws Exception {
        StringBuilder list = new StringBuilder();
        List<String> domains = List.of("good.checker.test", "nullmx.checker.test", "absent.checker.test",
                "implicit-a.checker.test", "mx-cname.checker.test");
        for (int i = 0; i < 100_000; i++) {
            list.append(i % 1000 == 7 ? "broken line " + i : "user" + i + "@" + domains.get(i % domains.size())).append('\n');
        }
        String etag = s3.putObject(b -> b.bucket(BUCKET).key("uploads/big.txt.gz"), RequestBody.fromBytes(gzip(list.toString())))
                .eTag();
        Job job = processor(Mode.SPLIT, UploadProcessor.CHUNK_RECORDS).process(BUCKET, "uploads/big.txt.gz", etag);
        assertEquals(50, job.chunks());
        drain(new SqsChunkHandler(new ChunkProcessor(checker, s3, store)), false);
        assertComplete(store.job(job.id()).orElseThrow(), 100_000);
    }
}
