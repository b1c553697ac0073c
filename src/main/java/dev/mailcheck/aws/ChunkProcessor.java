package dev.mailcheck.aws;

import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.StoredRun;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.Checker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One chunk of a split list: its results stored at their positions, its rows of the results file put
 * under {@code work/}, its tally recorded. Whichever chunk completes the job (every chunk done or given
 * up on) assembles the results file, ends the job and announces it. Everything is keyed by job and
 * position or chunk number, so a chunk delivered twice, or a job completed twice by a race, writes the
 * same things again; only one of the racers stores the end.
 */
final class ChunkProcessor {

    static final String CSV_TYPE = "text/csv; charset=utf-8";

    private final Checker checker;
    private final S3Client s3;
    private final ResultStore store;
    private final JobEvents events;

    ChunkProcessor(Checker checker, S3Client s3, ResultStore store, JobEvents events) {
        this.checker = checker;
        this.s3 = s3;
        this.store = store;
        this.events = events;
    }

    /** @return the job, if this chunk ended it */
    Optional<Job> process(Chunk chunk) {
        if (hasEnded(chunk.job())) {
            return Optional.empty(); // delivered again after the job ended: everything is stored
        }
        StringWriter part = new StringWriter();
        ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, part);
        Tally tally = StoredRun.run(checker, chunk.records().iterator(), store, chunk.job(), chunk.first(), writer::write);
        s3.putObject(b -> b.bucket(chunk.bucket()).key(chunk.partKey()).contentType(CSV_TYPE),
                RequestBody.fromString(part.toString(), StandardCharsets.UTF_8));
        store.putChunk(chunk.job(), chunk.chunk(), tally);
        return finishIfComplete(chunk.job(), chunk.bucket());
    }

    /**
     * A chunk that failed every delivery and reached the dead-letter queue: recorded as given up on, so
     * that its job still ends (partial, or failed if no chunk got through) instead of running forever.
     */
    Optional<Job> giveUp(Chunk chunk, String why) {
        if (hasEnded(chunk.job())) {
            return Optional.empty();
        }
        store.putFailedChunk(chunk.job(), chunk.chunk(), new ResultStore.FailedChunk(chunk.records().size(), why));
        return finishIfComplete(chunk.job(), chunk.bucket());
    }

    private boolean hasEnded(String jobId) {
        return store.job(jobId).map(Job::finished).orElse(false);
    }

    /**
     * Once every chunk of the job is done or given up on: the results file from the parts of the chunks
     * done, in order, and the job ended.
     */
    Optional<Job> finishIfComplete(String jobId, String bucket) {
        // Read now, not reused from before the chunk: the split may have stored its chunk count meanwhile.
        Optional<Job> found = store.job(jobId);
        if (found.isEmpty() || found.get().chunks() == 0 || found.get().finished()) {
            return Optional.empty();
        }
        Job job = found.get();
        SortedMap<Integer, Tally> done = store.chunks(jobId);
        SortedMap<Integer, ResultStore.FailedChunk> failed = store.failedChunks(jobId);
        if (done.size() + failed.size() < job.chunks()) {
            return Optional.empty();
        }
        Tally checked = Tally.sum(done.values());
        if (!done.isEmpty()) {
            writeResults(bucket, job.resultsKey(), jobId, done.keySet());
        }
        Job ended;
        if (failed.isEmpty()) {
            ended = job.with(JobStatus.DONE, checked, job.chunks());
        } else {
            Map.Entry<Integer, ResultStore.FailedChunk> first = failed.entrySet().iterator().next();
            ended = job.ended(done.isEmpty() ? JobStatus.FAILED : JobStatus.PARTIAL, checked,
                    failed.values().stream().mapToLong(ResultStore.FailedChunk::records).sum(),
                    failed.size() + " of " + job.chunks() + " chunks could not be checked (chunk " + first.getKey()
                            + ": " + first.getValue().error() + ")",
                    done.isEmpty() ? null : job.resultsKey());
        }
        Optional<Job> result = end(ended, bucket);
        deleteParts(s3, bucket, jobId, job.chunks());
        return result;
    }

    /** Announces the end of the job, then stores it; empty if another invocation ended it first. */
    Optional<Job> end(Job ended, String bucket) {
        events.finished(ended, bucket);
        return store.finishJob(ended) ? Optional.of(ended) : Optional.empty();
    }

    private void writeResults(String bucket, String key, String jobId, Iterable<Integer> chunks) {
        try {
            Path csv = Files.createTempFile("results-", ".csv");
            try {
                try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                    boolean header = true;
                    for (int i : chunks) {
                        appendPart(bucket, Chunk.partKey(jobId, i), header, out);
                        header = false;
                    }
                }
                s3.putObject(b -> b.bucket(bucket).key(key).contentType(CSV_TYPE), RequestBody.fromFile(csv));
            } finally {
                Files.deleteIfExists(csv);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every part has the CSV header as its first line; the results file keeps the first one only. */
    private void appendPart(String bucket, String key, boolean withHeader, Writer out) throws IOException {
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key));
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = reader.readLine();
            if (header != null && withHeader) {
                out.write(header);
                out.write('\n');
            }
            reader.transferTo(out);
        }
    }

    /**
     * One DeleteObject per part: S3 authorizes DeleteObjects per key, but moto (which the tests run the
     * template's policies in) authorizes it against the bucket, which the policies rightly don't grant.
     * Deleting a part that isn't there is no error, and the bucket's work/ lifecycle rule is the backstop.
     */
    static void deleteParts(S3Client s3, String bucket, String jobId, int chunks) {
        for (int i = 0; i < chunks; i++) {
            String key = Chunk.partKey(jobId, i);
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
    }
}
