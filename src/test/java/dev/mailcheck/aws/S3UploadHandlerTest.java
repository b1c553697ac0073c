package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.Verdict;
import dev.mailcheck.store.Job;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Uploads through the real processing code, against moto (S3, DynamoDB) and NSD (DNS). */
class S3UploadHandlerTest {

    static final String BUCKET = "checker-uploads";
    static final String TABLE = DynamoResultStoreTest.TABLE;

    private S3Client s3;
    private UploadProcessor processor;
    private DynamoResultStore store;

    @BeforeEach
    void fresh() {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(TABLE));
        s3 = Moto.shared().s3();
        s3.createBucket(b -> b.bucket(BUCKET));
        store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(1));
        processor = new UploadProcessor(new AwsConfig(TABLE, List.of(Nsd.shared().address()), Duration.ofSeconds(3),
                Duration.ofDays(1), List.of(), BUCKET, null, AwsConfig.DEFAULT_INLINE_MAX_BYTES, null), s3, store);
    }

    private Job upload(String key, byte[] content) {
        String etag = s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content)).eTag();
        return processor.process(BUCKET, key, etag);
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

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # key                          | gzip  | content (\\n between lines)                                                                   | reasons in order
            uploads/plain.txt              | false | a@good.checker.test\\n\\nnot an address\\nb@nullmx.checker.test\\na@good.checker.test             | accepts_mail invalid_syntax invalid_syntax null_mx accepts_mail
            uploads/list.csv               | false | name,email\\n"Doe, Jane",jane@good.checker.test\\n"x ""y""\",bad@@x.test\\nNobody,                  | accepts_mail invalid_syntax invalid_syntax
            uploads/team/list.txt.gz       | true  | a@absent.checker.test\\nb@servfail.test\\n                                                         | no_such_domain dns_failure
            """)
    void everyLineGetsOneStoredResultAndOneResultsRow(String key, boolean gz, String content, String reasons)
            throws Exception {
        String text = content.replace("\\n", "\n");
        Job job = upload(key, gz ? gzip(text) : text.getBytes(StandardCharsets.UTF_8));
        List<String> expected = List.of(reasons.split(" "));
        assertEquals("done", job.status());
        assertEquals(expected.size(), job.total());
        assertEquals(expected.size(), DynamoResultStoreTest.count(Moto.shared().dynamo(), job.id()));
        List<Map<String, String>> rows = resultsFile(job);
        assertEquals(expected, rows.stream().map(r -> r.get("reason")).toList());
        assertEquals(job, store.job(job.id()).orElseThrow());
        assertEquals(UploadProcessor.resultsKey(key), job.resultsKey());
    }

    @Test
    void theSameUploadProcessedTwiceDoesNotDuplicate() throws Exception {
        byte[] list = "a@good.checker.test\nb@good.checker.test\nb@good.checker.test\n".getBytes(StandardCharsets.UTF_8);
        Job first = upload("uploads/twice.txt", list);
        String etag = s3.headObject(b -> b.bucket(BUCKET).key("uploads/twice.txt")).eTag();
        Job second = processor.process(BUCKET, "uploads/twice.txt", etag);
        assertEquals(first.id(), second.id());
        assertEquals(first.created(), second.created());
        assertEquals(3, DynamoResultStoreTest.count(Moto.shared().dynamo(), first.id()));
        assertEquals(Map.of(Verdict.DELIVERABLE, 3L), second.counts());
    }

    @Test
    void aHundredThousandLinesInEqualsOut() throws Exception {
        StringBuilder list = new StringBuilder();
        List<String> domains = List.of("good.checker.test", "nullmx.checker.test", "absent.checker.test",
                "implicit-a.checker.test", "mx-cname.checker.test");
        for (int i = 0; i < 100_000; i++) {
            list.append(i % 1000 == 7 ? "broken line " + i : "user" + i + "@" + domains.get(i % domains.size())).append('\n');
        }
        Job job = upload("uploads/big.txt.gz", gzip(list.toString()));
        assertEquals(100_000, job.total());
        assertEquals(100_000, DynamoResultStoreTest.count(Moto.shared().dynamo(), job.id()));
        assertEquals(100_000, resultsFile(job).size());
        assertEquals(100_000L, job.counts().values().stream().mapToLong(Long::longValue).sum());
    }
}
