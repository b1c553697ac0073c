package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.api.Api;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.Checker;
import java.time.Duration;
import java.time.Instant;
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
        api = new Api(checker, null, stack.store(stack.api), new S3Jobs(stack.api.s3(), BUCKET, stack.store(stack.api)),
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
        AwsConfig config = new AwsConfig(MotoStack.TABLE, List.of(), Duration.ofSeconds(3), Duration.ofDays(1), List.of(),
                BUCKET, null, 1, null, false, "default");
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
            String key = Chunk.partKey(id, chunk);
            s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("address\n"));
            stack.store(stack.admin).putChunk(id, chunk, Tally.EMPTY);
        }
        Instant now = Instant.now();
        stack.store(stack.admin).putJob(new Job(id, "s3://" + BUCKET + "/uploads/gone.csv", Job.FAILED, 0, Map.of(), now, now,
                null, 0, null, "the upload function gave up"));
        assertEquals(204, call("DELETE", "/v1/jobs/" + id, null, null).status());
        assertEquals(List.of(), keys());
        assertTrue(stack.store(stack.admin).chunks(id).isEmpty());
    }
}
