package dev.mailcheck.aws;

import dev.mailcheck.Verdict;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ListRun;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.verdict.Checker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One uploaded list, start to end: streamed from S3 (never held whole), checked, every result stored
 * at its position, a results CSV written beside it under {@code results/}, and a job record that
 * keeps status and counts. The job id comes from the object's bucket, key and ETag, so processing
 * the same upload again overwrites its results instead of adding to them.
 */
final class UploadProcessor {

    static final String UPLOADS = "uploads/";
    static final String RESULTS = "results/";
    /** Results per store call; the store splits them into DynamoDB's batches of 25. */
    private static final int STORE_CHUNK = 500;

    private final AwsConfig config;
    private final S3Client s3;
    private final ResultStore store;

    UploadProcessor(AwsConfig config, S3Client s3, ResultStore store) {
        this.config = config;
        this.s3 = s3;
        this.store = store;
    }

    Job process(String bucket, String key, String etag) {
        String id = jobId(bucket, key, etag);
        String source = "s3://" + bucket + "/" + key;
        Instant created = store.job(id).map(Job::created).orElse(Instant.now());
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        store.putJob(new Job(id, source, "running", 0, counts, created, Instant.now(), null));
        Path csv = null;
        try (MxResolver dns = new MxResolver(config.dnsServers(), config.dnsTimeout(), MxResolver.DEFAULT_MAX_IN_FLIGHT);
             InputStream object = s3.getObject(b -> b.bucket(bucket).key(key))) {
            csv = Files.createTempFile("results-", ".csv");
            long total;
            try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, out);
                List<ResultStore.Positioned> chunk = new ArrayList<>(STORE_CHUNK);
                long[] position = {0};
                total = ListRun.run(new Checker(dns), new InputRecords(ListRun.reader(object),
                        InputRecords.Format.AUTO, "email"), result -> {
                    writer.write(result);
                    counts.merge(result.verdict(), 1L, Long::sum);
                    chunk.add(new ResultStore.Positioned(position[0]++, result));
                    if (chunk.size() == STORE_CHUNK) {
                        store.putResults(id, chunk);
                        chunk.clear();
                    }
                });
                store.putResults(id, chunk);
                writer.flush();
            }
            String resultsKey = resultsKey(key);
            s3.putObject(b -> b.bucket(bucket).key(resultsKey).contentType("text/csv; charset=utf-8"),
                    RequestBody.fromFile(csv));
            Job done = new Job(id, source, "done", total, counts, created, Instant.now(), resultsKey);
            store.putJob(done);
            return done;
        } catch (IOException | RuntimeException e) {
            store.putJob(new Job(id, source, "failed", counts.values().stream().mapToLong(Long::longValue).sum(), counts,
                    created, Instant.now(), null));
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        } finally {
            if (csv != null) {
                csv.toFile().delete();
            }
        }
    }

    /** {@code uploads/team/list.csv.gz} → {@code results/team/list.csv}. */
    static String resultsKey(String uploadKey) {
        String name = uploadKey.startsWith(UPLOADS) ? uploadKey.substring(UPLOADS.length()) : uploadKey;
        name = name.replaceFirst("\\.gz$", "").replaceFirst("\\.(csv|txt)$", "");
        return RESULTS + name + ".csv";
    }

    static String jobId(String bucket, String key, String etag) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((bucket + "/" + key + "@" + etag).getBytes(StandardCharsets.UTF_8));
            return "s3-" + HexFormat.of().formatHex(hash, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
