package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.PackagedInvoke;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * After `package`: the deployable target/function.zip itself, unzipped and run as Lambda's Java
 * runtime runs it (Quarkus' stream handler picks the handler by QUARKUS_LAMBDA_HANDLER).
 */
class PackagedFunctionIT {

    @TempDir
    static Path fn;

    private static void unzip() throws Exception {
        if (Files.exists(fn.resolve("lib"))) {
            return;
        }
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(Path.of("target/function.zip")))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path target = fn.resolve(e.getName()).normalize();
                if (!target.startsWith(fn)) {
                    throw new IllegalStateException("zip entry outside the folder: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"api, events/api-check.json", "api, events/api-checks.json", "api, events/api-job.json",
            "s3, events/s3-put.json", "sqs, events/sqs-chunk.json", "failures, events/failures-upload.json"})
    void theZipRunsItsHandlers(String handler, String event) throws Exception {
        unzip();
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(DynamoResultStoreTest.TABLE));
        Moto.shared().s3().createBucket(b -> b.bucket(S3UploadHandlerTest.BUCKET));
        Moto.shared().s3().putObject(b -> b.bucket(S3UploadHandlerTest.BUCKET).key(SampleEventsTest.UPLOAD),
                RequestBody.fromFile(Path.of("events", SampleEventsTest.UPLOAD)));
        String classpath = fn + ":" + fn.resolve("lib") + "/*:" + Path.of("target/test-classes").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", classpath,
                PackagedInvoke.class.getName(), event, fn.resolve("out.json").toString())
                .redirectErrorStream(true).redirectOutput(fn.resolve("log.txt").toFile());
        pb.environment().putAll(Moto.shared().environment());
        pb.environment().put("QUARKUS_LAMBDA_HANDLER", handler);
        pb.environment().put("TABLE_NAME", DynamoResultStoreTest.TABLE);
        pb.environment().put("DNS_SERVERS", Nsd.shared().hostPort());
        pb.environment().put("UPLOAD_BUCKET", S3UploadHandlerTest.BUCKET);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(fn.resolve("log.txt")));
        String out = Files.readString(fn.resolve("out.json"));
        JsonNode response = new ObjectMapper().readTree(out);
        switch (handler) {
            case "s3" -> assertTrue(response.asText().contains("2 results"), out);
            case "sqs", "failures" -> assertEquals(0, response.get("batchItemFailures").size(), out);
            default -> {
                assertTrue(List.of(200, 202).contains(response.get("statusCode").asInt()), out);
                JsonNode body = new ObjectMapper().readTree(response.get("body").asText());
                assertTrue(List.of("reason", "job_id", "status").stream().anyMatch(body::has), out);
            }
        }
    }
}
