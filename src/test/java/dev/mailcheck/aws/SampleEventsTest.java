package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.cli.Main;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every sample event in events/ through the real handler, in a separate process, as `checker invoke`
 * runs it: the function is named by the file's prefix (api-, failures-, s3-, sqs-).
 */
class SampleEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SQS_JOB = "s3-0123456789abcdef0123";
    static final String UPLOAD = "uploads/signups week 48.csv";

    @TempDir
    Path dir;

    static Stream<Path> events() throws Exception {
        return Files.list(Path.of("events")).filter(p -> p.toString().endsWith(".json")).sorted();
    }

    @BeforeAll
    static void standIns() {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(DynamoResultStoreTest.TABLE));
        S3Client s3 = Moto.shared().s3();
        s3.createBucket(b -> b.bucket(S3UploadHandlerTest.BUCKET));
        // The object s3-put.json announces, with the ETag it names.
        s3.putObject(b -> b.bucket(S3UploadHandlerTest.BUCKET).key(UPLOAD), RequestBody.fromFile(Path.of("events", UPLOAD)));
        // sqs-chunk.json is the one chunk of this job.
        Instant now = Instant.now();
        new DynamoResultStore(Moto.shared().dynamo(), DynamoResultStoreTest.TABLE, Duration.ofDays(1), SmtpCodes::link).putJob(new Job(
                SQS_JOB, "s3://" + S3UploadHandlerTest.BUCKET + "/uploads/big-list.csv", JobStatus.RUNNING, 0, Map.of(), now, now,
                "results/big-list.csv", 1));
    }

    /** `checker invoke FUNCTION [EVENT]` in a process of its own with this environment; its output. */
    static String invoke(String function, Path event, Map<String, String> env, Path dir) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "invoke", function));
        if (event != null) {
            command.add(event.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile())
                .redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("out.txt"));
        assertEquals(0, p.exitValue(), out + Files.readString(dir.resolve("err.txt")));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void replays(Path event) throws Exception {
        String function = event.getFileName().toString().split("-")[0];
        Map<String, String> env = new HashMap<>(Moto.shared().environment());
        env.put("TABLE_NAME", DynamoResultStoreTest.TABLE);
        env.put("DNS_SERVERS", Nsd.shared().hostPort());
        env.put("CORS_ORIGINS", "https://signup.example");
        env.put("UPLOAD_BUCKET", S3UploadHandlerTest.BUCKET);
        String out = invoke(function, event, env, dir);
        switch (function) {
            case "api" -> {
                JsonNode response = JSON.readTree(out);
                assertEquals("https://signup.example", response.at("/headers/access-control-allow-origin").asText(), out);
                if (response.path("isBase64Encoded").asBoolean()) {
                    // The widget, gzipped: API Gateway takes bytes only as base64.
                    assertEquals("gzip", response.at("/headers/content-encoding").asText(), out);
                    assertTrue(response.at("/headers/etag").asText().startsWith("W/\""), out);
                    byte[] gzipped = Base64.getDecoder().decode(response.get("body").asText());
                    assertTrue(new String(new GZIPInputStream(new ByteArrayInputStream(gzipped)).readAllBytes(),
                            StandardCharsets.UTF_8).contains("window.MailCheck"), out);
                    return;
                }
                JsonNode body = JSON.readTree(response.get("body").asText());
                if (response.get("statusCode").asInt() == 202) {
                    assertEquals("queued", body.get("status").asText(), out);
                    assertTrue(body.get("source").asText().startsWith("s3://" + S3UploadHandlerTest.BUCKET + "/uploads/api/"), out);
                } else {
                    assertEquals(200, response.get("statusCode").asInt(), out);
                    assertTrue(body.has("reason") || body.has("job_id"), out);
                }
            }
            case "s3" -> {
                String key = UploadProcessor.resultsKey(UPLOAD, UploadProcessor.jobId(S3UploadHandlerTest.BUCKET, UPLOAD,
                        JSON.readTree(Files.readString(event)).at("/Records/0/s3/object/eTag").asText()));
                String csv = Moto.shared().s3().getObjectAsBytes(b -> b.bucket(S3UploadHandlerTest.BUCKET)
                        .key(key)).asUtf8String();
                assertTrue(csv.contains("ann@good.checker.test") && csv.contains("null_mx"), csv);
                assertTrue(out.contains("2 results"), out);
            }
            case "sqs" -> {
                JsonNode response = JSON.readTree(out);
                assertEquals(0, response.get("batchItemFailures").size(), out);
                String csv = Moto.shared().s3().getObjectAsBytes(b -> b.bucket(S3UploadHandlerTest.BUCKET)
                        .key("results/big-list.csv")).asUtf8String();
                assertEquals(5, csv.lines().count(), csv);
                Job job = new DynamoResultStore(Moto.shared().dynamo(), DynamoResultStoreTest.TABLE, Duration.ofDays(1), SmtpCodes::link)
                        .job(SQS_JOB).orElseThrow();
                assertEquals(JobStatus.DONE, job.status());
                assertEquals(4, job.total());
            }
            case "failures" -> {
                assertEquals(0, JSON.readTree(out).get("batchItemFailures").size(), out);
                JsonNode upload = JSON.readTree(JSON.readTree(Files.readString(event)).at("/Records/0/body").asText())
                        .at("/requestPayload/Records/0/s3/object");
                Job job = new DynamoResultStore(Moto.shared().dynamo(), DynamoResultStoreTest.TABLE, Duration.ofDays(1), SmtpCodes::link)
                        .job(UploadProcessor.jobId(S3UploadHandlerTest.BUCKET,
                                URLDecoder.decode(upload.get("key").asText(), StandardCharsets.UTF_8),
                                upload.get("eTag").asText())).orElseThrow();
                assertEquals(JobStatus.FAILED, job.status());
                assertTrue(job.error().contains("Task timed out after 900.00 seconds"), job.error());
            }
            default -> throw new AssertionError("no function for " + event);
        }
    }
}
