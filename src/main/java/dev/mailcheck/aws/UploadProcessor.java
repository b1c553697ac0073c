package dev.mailcheck.aws;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ListRun;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.StoredRun;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.Checker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One uploaded list, start to end. The object is streamed from S3, never held whole. A list of up to
 * {@code INLINE_MAX_RECORDS} records is checked here: every result stored at its position, a results CSV
 * written beside it under {@code results/}, a job record with status and counts. A larger one is
 * split into chunks on the SQS queue, which {@link ChunkProcessor} checks, so no list is bounded by
 * one invocation's 15 minutes. The job id comes from the object's bucket, key and ETag: each upload is a
 * job of its own, with its own results file, and the same upload delivered again finds its job.
 */
final class UploadProcessor {

    static final String UPLOADS = "uploads/";
    static final String RESULTS = "results/";
    /** Parts of results files of split lists, until the last chunk assembles them. */
    static final String WORK = "work/";
    /** Records per chunk: a few seconds of DNS checks, well inside the worker's timeout. */
    static final int CHUNK_RECORDS = 2_000;
    /** Keeps a chunk message under SQS's 256 KiB however long its records are. */
    static final int CHUNK_BYTES = 192 * 1024;

    private final AwsConfig config;
    private final Checker checker;
    private final S3Client s3;
    private final SqsClient sqs;
    private final ResultStore store;
    private final ChunkProcessor chunks;
    private final int chunkRecords;

    UploadProcessor(AwsConfig config, Checker checker, S3Client s3, SqsClient sqs, ResultStore store, JobEvents events) {
        this(config, checker, s3, sqs, store, events, CHUNK_RECORDS);
    }

    UploadProcessor(AwsConfig config, Checker checker, S3Client s3, SqsClient sqs, ResultStore store, JobEvents events,
                    int chunkRecords) {
        this.chunkRecords = chunkRecords;
        this.config = config;
        this.checker = checker;
        this.s3 = s3;
        this.sqs = sqs;
        this.store = store;
        this.chunks = new ChunkProcessor(checker, s3, store, events);
    }

    Job process(String bucket, String key, String etag) {
        String id = jobId(bucket, key, etag);
        Optional<Job> existing = store.job(id);
        if (existing.isPresent() && (existing.get().finished() || existing.get().chunks() > 0)) {
            return existing.get(); // the same upload again (S3 delivers events at least once): its job stands
        }
        Job job = job(id, bucket, key, JobStatus.RUNNING, existing.map(Job::created).orElse(Instant.now()));
        store.putJob(job);
        ResponseInputStream<GetObjectResponse> object;
        try {
            // This version only: a newer upload under the same key is a job of its own.
            object = s3.getObject(b -> b.bucket(bucket).key(key).ifMatch("\"" + etag.replace("\"", "") + "\""));
        } catch (NoSuchKeyException e) {
            return failed(job, bucket, "the object was deleted before it was read");
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return failed(job, bucket, "the object was replaced by a newer upload (a job of its own) before it was read");
            }
            throw e;
        }
        // Anything else fails the invocation: Lambda tries twice more, then the on-failure destination ends the job.
        try (object) {
            InputRecords records;
            try {
                // The column the upload names, else the one whose header is named like an address column.
                records = new InputRecords(ListRun.reader(object), InputRecords.Format.AUTO,
                        AddressColumn.of(object.response().metadata()));
            } catch (InputRecords.NoAddressColumn e) {
                return failed(job, bucket, e.getMessage()); // no retry reads another column: the job ends here
            }
            if (config.chunkQueue() == null) {
                return checkHere(job, bucket, records);
            }
            // Compressed sizes say little about record counts, so count: read ahead one past the limit.
            List<InputRecords.Input> head = new ArrayList<>();
            while (head.size() <= config.inlineMaxRecords() && records.hasNext()) {
                head.add(records.next());
            }
            Iterator<InputRecords.Input> all = Stream.concat(head.stream(),
                    StreamSupport.stream(Spliterators.spliteratorUnknownSize(records, Spliterator.ORDERED), false)).iterator();
            return head.size() > config.inlineMaxRecords() ? split(job, bucket, all) : checkHere(job, bucket, all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The upload function gave up on this upload (it failed, crashed or timed out on every try; Lambda's
     * on-failure destination says so): its job ends failed, with the results stored before it broke off.
     * A job already split is left to its chunks, which end it.
     */
    Optional<Job> giveUp(String bucket, String key, String etag, String why) {
        String id = jobId(bucket, key, etag);
        Job job = store.job(id).orElseGet(() -> job(id, bucket, key, JobStatus.QUEUED, Instant.now()));
        if (job.finished()) {
            return Optional.empty();
        }
        if (job.chunks() > 0) {
            return chunks.finishIfComplete(id, bucket);
        }
        return chunks.end(job.ended(JobStatus.FAILED, store.tally(id), null, why, null), bucket);
    }

    /** The job of an upload, nothing checked yet. */
    static Job job(String id, String bucket, String key, JobStatus status, Instant created) {
        return new Job(id, "s3://" + bucket + "/" + key, status, 0, Tally.EMPTY.counts(), created, Instant.now(),
                resultsKey(key, id), 0);
    }

    private Job failed(Job job, String bucket, String why) {
        return chunks.end(job.ended(JobStatus.FAILED, Tally.EMPTY, null, why, null), bucket).orElse(job);
    }

    private Job checkHere(Job job, String bucket, Iterator<InputRecords.Input> records) throws IOException {
        Path csv = Files.createTempFile("results-", ".csv");
        try {
            Tally tally;
            try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, out);
                tally = StoredRun.run(checker, records, store, job.id(), 0, writer::write);
                writer.flush();
            }
            s3.putObject(b -> b.bucket(bucket).key(job.resultsKey()).contentType(ChunkProcessor.CSV_TYPE),
                    RequestBody.fromFile(csv));
            Job done = job.with(JobStatus.DONE, tally, 0);
            return chunks.end(done, bucket).orElse(done);
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    /**
     * Sends the records to the queue in chunks, then records how many there are. Chunks may finish
     * before that count is stored, so the last step also looks for a job that is already complete.
     */
    private Job split(Job job, String bucket, Iterator<InputRecords.Input> records) {
        store.clearChunks(job.id());
        int chunk = 0;
        long position = 0;
        List<InputRecords.Input> pending = new ArrayList<>(chunkRecords);
        int bytes = 0;
        while (records.hasNext()) {
            InputRecords.Input r = records.next();
            int size = 32 + jsonBytes(r.value()) + jsonBytes(r.error());
            if (!pending.isEmpty() && (pending.size() == chunkRecords || bytes + size > CHUNK_BYTES)) {
                send(new Chunk(job.id(), bucket, job.resultsKey(), chunk++, position, pending));
                position += pending.size();
                pending = new ArrayList<>(chunkRecords);
                bytes = 0;
            }
            pending.add(r);
            bytes += size;
        }
        if (!pending.isEmpty() || chunk == 0) {
            send(new Chunk(job.id(), bucket, job.resultsKey(), chunk++, position, pending));
        }
        Job splitUp = job.with(JobStatus.RUNNING, Tally.sum(store.chunks(job.id()).values()), chunk);
        store.putJob(splitUp);
        return chunks.finishIfComplete(job.id(), bucket).orElse(splitUp);
    }

    /** The most a string can take in a chunk message: UTF-8, with JSON's escapes. */
    static int jsonBytes(String s) {
        if (s == null) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x20 ? 6 : c == '"' || c == '\\' ? 2 : c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    private void send(Chunk chunk) {
        sqs.sendMessage(b -> b.queueUrl(config.chunkQueue()).messageBody(chunk.toJson()));
    }

    /**
     * {@code uploads/team/list.csv.gz} → {@code results/team/list.<job>.csv}: each job its own file, so
     * a newer upload of the same name (or {@code list.txt} beside {@code list.csv}) never overwrites it.
     */
    static String resultsKey(String uploadKey, String jobId) {
        String name = uploadKey.startsWith(UPLOADS) ? uploadKey.substring(UPLOADS.length()) : uploadKey;
        name = name.replaceFirst("\\.gz$", "").replaceFirst("\\.(csv|txt)$", "");
        return RESULTS + name + "." + jobId + ".csv";
    }

    /**
     * The job of one version of an object. ETags come quoted from the SDK and bare in S3 events; both
     * name the same job.
     */
    static String jobId(String bucket, String key, String etag) {
        String bare = etag.replace("\"", "");
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((bucket + "/" + key + "@" + bare).getBytes(StandardCharsets.UTF_8));
            return "s3-" + HexFormat.of().formatHex(hash, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
