package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.cli.LocalContext;
import dev.mailcheck.api.Api;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The job routes as ApiFunction runs them: the API on S3 and DynamoDB with exactly the template's
 * permissions for ApiFunction (moto enforcing them), the upload function's code with its own.
 */
class S3JobsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = MotoStack.BUCKET;
    private static final Checker checker = MotoStack.checker();
    private MotoStack stack;
    private S3Client s3;
    private Api api;

    @BeforeEach
    void fresh() {
        stack = new MotoStack();
        s3 = stack.admin.s3();
        api = api(stack.store(stack.api), ApiHandler.ERASE_FOR);
    }

    /** The API as ApiFunction runs it, on {@code store}, erasing for {@code eraseFor} before the queue carries on. */
    private Api api(DynamoResultStore store, Duration eraseFor) {
        return new Api(checker, null, store, jobs(stack, store, eraseFor), List.of());
    }

    /** The job queue of ApiFunction, with its permissions. */
    static S3Jobs jobs(MotoStack stack, DynamoResultStore store, Duration eraseFor) {
        return new S3Jobs(stack.api.s3(), BUCKET, store, null, new Erasure(stack.api.s3(), BUCKET, store, null, stack.api::sqs, stack.chunkQueue), eraseFor);
    }

    @AfterEach
    void enforcementOff() {
        stack.close();
    }

    private Api.Response call(String method, String path, String type, String body) {
        return api.handle(new Api.Request(method, path, Map.of(), type == null ? Map.of() : Map.of("content-type", type), body));
    }

    /** The upload function's code on the object's event (the ETag as S3 events give it: bare). */
    private Job trigger(String key) {
        String etag = s3.headObject(b -> b.bucket(BUCKET).key(key)).eTag().replace("\"", "");
        AwsConfig config = AwsConfig.from(Map.of("TABLE_NAME", MotoStack.TABLE, "DNS_TIMEOUT_MS", "3000",
                "RESULT_RETENTION_DAYS", "1", "UPLOAD_BUCKET", BUCKET, "INLINE_MAX_RECORDS", "1",
                "EVENT_BUS_NAME", "default"));
        return new UploadProcessor(config, checker, stack.upload.s3(), null, stack.store(stack.upload),
                stack.events(stack.upload)).process(BUCKET, key, etag);
    }

    private List<String> keys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key).sorted().toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # s3_key               | object there | status | the job's list, or the error says
            uploads/list.csv       | true         | 202    | uploads/list.csv
            incoming/list.csv      | true         | 202    | uploads/incoming/list.csv
            uploads/missing.csv    | false        | 400    | no object uploads/missing.csv
            incoming/missing.csv   | false        | 400    | no object incoming/missing.csv
            results/list.csv       | true         | 400    | must name an object under uploads/ or incoming/
            work/s3-x/000000.csv   | true         | 400    | must name an object under uploads/ or incoming/
            elsewhere.csv          | true         | 400    | must name an object under uploads/ or incoming/
            uploads/../results/x   | false        | 400    | must name an object under uploads/ or incoming/
            """)
    void aListAlreadyInTheBucket(String key, boolean there, int status, String says) throws Exception {
        if (there) {
            s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("email\nann@good.checker.test\n"));
        }
        Api.Response r = call("POST", "/v1/jobs", "application/json", JSON.writeValueAsString(Map.of("s3_key", key)));
        assertEquals(status, r.status(), r.body());
        JsonNode body = JSON.readTree(r.body());
        if (status != 202) {
            assertTrue(body.toString().contains(says), body::toString);
            return;
        }
        assertEquals("s3://" + BUCKET + "/" + says, body.get("source").asText());
        // The trigger of that object (a copy, for incoming/) finds the job the response named.
        Job checked = trigger(says);
        assertEquals(body.get("id").asText(), checked.id());
        JsonNode shown = JSON.readTree(call("GET", "/v1/jobs/" + checked.id(), null, null).body());
        assertEquals("done", shown.get("status").asText(), shown::toString);
        assertEquals(1, shown.at("/counts/deliverable").asInt());
    }

    /**
     * A column named on POST /v1/jobs reaches the upload function in the object's metadata: for a list in the
     * body ({@code ?column=}), and for one in the bucket ({@code "column"}), copied under uploads/api/ as a job of its
     * own (an object checked before keeps its job); without one the column is found by its header's name, and
     * with none to be found the job fails naming the headers.
     */
    @ParameterizedTest(name = "{0} column={2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # how            | list (\\n between lines)                                      | column             | status | deliverable | error ends
            body             | email,work\\nold@nullmx.checker.test,jane@good.checker.test       | work               | done   | 1           | -
            body             | nom,correo electrónico\\nJ,jane@good.checker.test                 | correo electrónico | done   | 1           | -
            body             | Name,Email Address\\nJane,jane@good.checker.test                  | -                  | done   | 1           | -
            body             | name,contact\\nJane,jane@good.checker.test                        | -                  | failed | 0           | its columns are: name, contact
            incoming/l.csv   | email,work\\nold@nullmx.checker.test,jane@good.checker.test       | work               | done   | 1           | -
            uploads/l.csv    | email,work\\nold@nullmx.checker.test,jane@good.checker.test       | work               | done   | 1           | -
            incoming/l.csv   | id,mail\\n1,jane@good.checker.test                                | -                  | done   | 1           | -
            incoming/l.csv   | name,contact\\nJane,jane@good.checker.test                        | -                  | failed | 0           | its columns are: name, contact
            """)
    void aColumnNamedOnPostReachesTheUploadFunction(String how, String list, String column, String status,
                                                    int deliverable, String says) throws Exception {
        String text = list.replace("\\n", "\n");
        Api.Response r;
        if (how.equals("body")) {
            r = api.handle(new Api.Request("POST", "/v1/jobs", column == null ? Map.of() : Map.of("column", column),
                    Map.of("content-type", "text/csv"), text));
        } else {
            s3.putObject(b -> b.bucket(BUCKET).key(how), RequestBody.fromString(text));
            Map<String, String> body = new HashMap<>(Map.of("s3_key", how));
            if (column != null) {
                body.put("column", column);
            }
            r = call("POST", "/v1/jobs", "application/json", JSON.writeValueAsString(body));
        }
        assertEquals(202, r.status(), r.body());
        String source = JSON.readTree(r.body()).get("source").asText();
        String key = source.substring(("s3://" + BUCKET + "/").length());
        assertEquals(column != null || how.equals("body"), key.startsWith("uploads/api/"), key);
        Job checked = trigger(key);
        JsonNode shown = JSON.readTree(call("GET", "/v1/jobs/" + checked.id(), null, null).body());
        assertEquals(status, shown.get("status").asText(), shown::toString);
        assertEquals(deliverable, shown.at("/counts/deliverable").asInt(), shown::toString);
        assertEquals(deliverable, shown.get("total").asInt(), "the named column only");
        if (says != null) {
            assertTrue(shown.get("error").asText().endsWith(says), shown::toString);
        }
    }

    /**
     * The upload functions check DNS only: a job that asks for the SMTP probe is refused rather than run without
     * it, whether the list is sent or named by s3_key (before: a named list started a DNS-only job, 202).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            text/plain       | a@good.checker.test
            application/json | {"s3_key": "incoming/list.txt"}
            """)
    void aSmtpJobIsRefusedHere(String type, String body) throws Exception {
        s3.putObject(b -> b.bucket(BUCKET).key("incoming/list.txt"), RequestBody.fromString("a@good.checker.test\n"));
        Api.Response r = api.handle(new Api.Request("POST", "/v1/jobs", Map.of("smtp", "true"),
                Map.of("content-type", type), body));
        assertEquals(400, r.status(), r.body());
        assertEquals("smtp", JSON.readTree(r.body()).get("field").asText());
        assertEquals(List.of("incoming/list.txt"), keys(), "no upload written");
    }

    /**
     * DELETE erases a job that has ended: its DynamoDB items, its results file, its list under uploads/;
     * a job still running is refused (its workers would write again); then it is a 410, its tombstone saying when.
     */
    @Test
    void deleteErasesAnEndedJobAndEverythingItLeft() throws Exception {
        Api.Response accepted = call("POST", "/v1/jobs", "text/plain", "ann@good.checker.test\nbob@nullmx.checker.test\n");
        assertEquals(202, accepted.status(), accepted.body());
        String id = JSON.readTree(accepted.body()).get("id").asText();
        assertEquals(409, call("DELETE", "/v1/jobs/" + id, null, null).status(), "queued: not yet");
        Job done = trigger(keys().getFirst());
        assertEquals(id, done.id());
        assertEquals(List.of(done.resultsKey(), done.source().substring(("s3://" + BUCKET + "/").length())).stream()
                .sorted().toList(), keys());
        assertEquals(2, DynamoResultStoreTest.count(stack.admin.dynamo(), id));

        Api.Response deleted = call("DELETE", "/v1/jobs/" + id, null, null);
        assertEquals(204, deleted.status(), deleted.body());
        assertEquals(List.of(), keys());
        assertEquals(0, DynamoResultStoreTest.count(stack.admin.dynamo(), id));
        assertFalse(stack.store(stack.admin).job(id).isPresent());
        Api.Response gone = call("GET", "/v1/jobs/" + id, null, null);
        assertEquals(410, gone.status());
        assertTrue(gone.body().contains("it was deleted (DELETE /v1/jobs/" + id + ")"), gone.body());
        assertEquals(410, call("DELETE", "/v1/jobs/" + id, null, null).status());
    }

    /** A split that broke off left parts under work/ and no chunk count: DELETE finds them by the chunks recorded. */
    @Test
    void deleteErasesThePartsOfASplitThatBrokeOff() {
        String id = "s3-0000000000000000dead";
        for (int chunk = 0; chunk < 3; chunk++) {
            String key = S3JobFiles.partKey(id, chunk);
            s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("address\n"));
            stack.store(stack.admin).putChunk(id, chunk, Tally.EMPTY);
        }
        Instant now = Instant.now();
        stack.store(stack.admin).putJob(new Job(id, "s3://" + BUCKET + "/uploads/gone.csv", JobStatus.FAILED, 0, Map.of(), now, now,
                null, 0, null, "the upload function gave up"));
        assertEquals(204, call("DELETE", "/v1/jobs/" + id, null, null).status());
        assertEquals(List.of(), keys());
        assertTrue(stack.store(stack.admin).chunks(id).isEmpty());
    }

    /**
     * A newer list uploaded under the key of an erased job is a job of its own, and stays (before: the DELETE of
     * the old job deleted it, and the newer job failed with "the object was deleted before it was read").
     */
    @Test
    void deleteErasesOnlyTheVersionOfTheListTheJobRead() throws Exception {
        String key = UploadProcessor.UPLOADS + "team/list.txt";
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("ann@good.checker.test\n"));
        Job old = trigger(key);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("bob@good.checker.test\n"));
        Job newer = trigger(key);
        assertNotEquals(old.id(), newer.id());

        assertEquals(204, call("DELETE", "/v1/jobs/" + old.id(), null, null).status());
        assertEquals(List.of(newer.resultsKey(), key), keys(), "the newer list and its results stay");
        assertEquals("bob@good.checker.test\n", s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String());
        assertEquals("done", JSON.readTree(call("GET", "/v1/jobs/" + newer.id(), null, null).body()).get("status").asText());

        assertEquals(204, call("DELETE", "/v1/jobs/" + newer.id(), null, null).status());
        assertEquals(List.of(), keys());
    }

    /** A job done, as a split list leaves it: results, chunk records, a results file and a part left under work/. */
    private Job ended(String id, int results) {
        DynamoResultStore admin = stack.store(stack.admin);
        String list = UploadProcessor.UPLOADS + id + ".txt";
        s3.putObject(b -> b.bucket(BUCKET).key(list), RequestBody.fromString("(the list)\n"));
        String etag = s3.headObject(b -> b.bucket(BUCKET).key(list)).eTag();
        String jobId = UploadProcessor.jobId(BUCKET, list, etag);
        Job job = UploadProcessor.job(jobId, BUCKET, list, JobStatus.RUNNING, Instant.now());
        admin.putJob(job);
        admin.putResults(jobId, DynamoResultStoreTest.results(results));
        admin.putChunk(jobId, 0, Tally.EMPTY);
        admin.putChunk(jobId, 1, Tally.EMPTY);
        s3.putObject(b -> b.bucket(BUCKET).key(job.resultsKey()), RequestBody.fromString("address\n"));
        s3.putObject(b -> b.bucket(BUCKET).key(S3JobFiles.partKey(jobId, 1)), RequestBody.fromString("address\n"));
        Job done = job.with(JobStatus.DONE, admin.tally(jobId), 2);
        admin.putJob(done);
        return done;
    }

    /**
     * A DELETE cut short midway (here: DynamoDB fails after two batches, as Lambda's timeout would cut it) leaves
     * the job {@code erasing}, shown by GET, and the next DELETE carries on to the end (before: the job's item went
     * in the first batch, the retry answered 404 and the rest of the items, addresses included, stayed).
     */
    @Test
    void anErasureCutShortIsCarriedOnByTheNextDelete() throws Exception {
        Job job = ended("cut", 120);
        AtomicInteger batches = new AtomicInteger();
        DynamoDbClient dynamo = stack.api.dynamo();
        // In-process fault: a real DynamoDB can't be made to stop answering on demand mid-erasure.
        DynamoDbClient cut = (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("batchWriteItem") && batches.incrementAndGet() > 2) {
                        throw new IllegalStateException("the invocation timed out");
                    }
                    try {
                        return method.invoke(dynamo, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Api.Response broken = api(new DynamoResultStore(cut, MotoStack.TABLE, Duration.ofDays(1), SmtpCodes::link), ApiHandler.ERASE_FOR)
                .handle(new Api.Request("DELETE", "/v1/jobs/" + job.id(), Map.of(), Map.of(), null));
        assertEquals(500, broken.status(), broken.body());
        assertEquals(120 - 50, DynamoResultStoreTest.count(stack.admin.dynamo(), job.id()));

        JsonNode shown = JSON.readTree(call("GET", "/v1/jobs/" + job.id(), null, null).body());
        assertEquals(List.of("erasing", "120", "50"), List.of(shown.get("status").asText(), shown.get("total").asText(),
                shown.get("erased").asText()), shown::toString);

        Api.Response retried = call("DELETE", "/v1/jobs/" + job.id(), null, null);
        assertEquals(204, retried.status(), retried.body());
        assertEquals(0, DynamoResultStoreTest.count(stack.admin.dynamo(), job.id()));
        assertTrue(stack.store(stack.admin).chunks(job.id()).isEmpty());
        assertFalse(stack.store(stack.admin).job(job.id()).isPresent());
        assertEquals(List.of(), keys());
        assertEquals(410, call("GET", "/v1/jobs/" + job.id(), null, null).status());
    }

    /**
     * A job larger than a DELETE erases in its time: 202 with the job {@code erasing} and how far it got, the rest
     * carried on from the chunk queue by the chunk function's code with its own permissions.
     */
    @Test
    void aLargeErasureCarriesOnFromTheQueue() throws Exception {
        int results = Erasure.STEP_ITEMS + 200;
        Job job = ended("large", results);
        Api.Response accepted = api(stack.store(stack.api), Duration.ZERO)
                .handle(new Api.Request("DELETE", "/v1/jobs/" + job.id(), Map.of(), Map.of(), null));
        assertEquals(202, accepted.status(), accepted.body());
        JsonNode shown = JSON.readTree(accepted.body());
        assertEquals(List.of("erasing", (long) results, (long) Erasure.STEP_ITEMS), List.of(shown.get("status").asText(),
                shown.get("total").asLong(), shown.get("erased").asLong()), shown::toString);
        assertEquals(200, DynamoResultStoreTest.count(stack.admin.dynamo(), job.id()));

        List<Message> messages = stack.admin.sqs().receiveMessage(b -> b.queueUrl(stack.chunkQueue)
                .maxNumberOfMessages(10)).messages();
        assertEquals(List.of("{\"erase\":\"" + job.id() + "\"}"), messages.stream().map(Message::body).toList());
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(messages.getFirst().messageId());
        message.setBody(messages.getFirst().body());
        event.setRecords(List.of(message));
        DynamoResultStore store = stack.store(stack.chunk);
        SqsChunkHandler handler = new SqsChunkHandler(Functions.chunkWorker(checker, store, stack.events(stack.chunk),
                new S3JobFiles(stack.chunk.s3(), BUCKET)), new Erasure(stack.chunk.s3(), BUCKET, store, null, stack.chunk::sqs,
                stack.chunkQueue));
        assertEquals(List.of(), handler.handleRequest(event, new LocalContext("sqs")).getBatchItemFailures());

        assertEquals(0, DynamoResultStoreTest.count(stack.admin.dynamo(), job.id()));
        assertFalse(stack.store(stack.admin).job(job.id()).isPresent());
        assertEquals(List.of(), keys());
        assertEquals(410, call("DELETE", "/v1/jobs/" + job.id(), null, null).status());
    }

    /**
     * The same bytes uploaded again under the same key are the same job (its id comes from key and ETag) and check
     * nothing again; POST /v1/jobs/{id}/rerun checks the list the job read as a new job, which the answer names
     * (before: no such route, 404). Refused while the job runs, and once the list under its key was replaced.
     */
    @Test
    void aJobIsCheckedAgainByRerunNotByUploadingTheSameBytes() throws Exception {
        String key = UploadProcessor.UPLOADS + "team/again.txt";
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("ann@good.checker.test\n"));
        Job first = trigger(key);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("ann@good.checker.test\n"));
        assertEquals(first.id(), trigger(key).id(), "the same bytes: the same job");

        Api.Response rerun = call("POST", "/v1/jobs/" + first.id() + "/rerun", null, null);
        assertEquals(202, rerun.status(), rerun.body());
        JsonNode again = JSON.readTree(rerun.body());
        String id = again.get("id").asText();
        assertNotEquals(first.id(), id);
        assertEquals("/v1/jobs/" + id, rerun.headers().get("location"));
        assertEquals("queued", again.get("status").asText());
        assertEquals(409, call("POST", "/v1/jobs/" + id + "/rerun", null, null).status(), "queued: not yet");
        Job checked = trigger(again.get("source").asText().substring(("s3://" + BUCKET + "/").length()));
        assertEquals(List.of(id, JobStatus.DONE, 1L), List.of(checked.id(), checked.status(), checked.total()));
        assertEquals("done", JSON.readTree(call("GET", "/v1/jobs/" + first.id(), null, null).body()).get("status").asText(),
                "the first job stays");

        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("bob@good.checker.test\n"));
        Api.Response replaced = call("POST", "/v1/jobs/" + first.id() + "/rerun", null, null);
        assertEquals(409, replaced.status(), replaced.body());
        assertTrue(replaced.body().contains("was replaced since"), replaced.body());
        assertEquals(404, call("POST", "/v1/jobs/s3-nosuchjob/rerun", null, null).status());
    }
}
