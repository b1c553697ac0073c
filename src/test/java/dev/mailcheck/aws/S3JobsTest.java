package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.api.Api;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

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
        api = new Api(checker, null, stack.store(stack.api), new S3Jobs(stack.api.s3(), BUCKET, stack.store(stack.api), null),
                List.of());
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
     * a job still running is refused (its workers would write again), an unknown one is a 404.
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
        assertEquals(404, call("GET", "/v1/jobs/" + id, null, null).status());
        assertEquals(404, call("DELETE", "/v1/jobs/" + id, null, null).status());
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
}
