package dev.mailcheck.aws;

import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.store.Job;
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
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.stream.IntStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * One chunk of a split list: its results stored at their positions, its rows of the results file put
 * under {@code work/}, its tally recorded. Whichever chunk completes the job assembles the results
 * file and marks the job done. Everything is keyed by job and position or chunk number, so a chunk
 * delivered twice, or a job completed twice by a race, writes the same things again.
 */
final class ChunkProcessor {

    static final String CSV_TYPE = "text/csv; charset=utf-8";

    private final Checker checker;
    private final S3Client s3;
    private final ResultStore store;

    ChunkProcessor(Checker checker, S3Client s3, ResultStore store) {
        this.checker = checker;
        this.s3 = s3;
        this.store = store;
    }

    /** @return the job, if this chunk completed it */
    Optional<Job> process(Chunk chunk) {
        if (store.job(chunk.job()).map(j -> j.status().equals(Job.DONE)).orElse(false)) {
            return Optional.empty(); // delivered again after the job was completed: everything is stored
        }
        StringWriter part = new StringWriter();
        ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, part);
        Tally tally = StoredRun.run(checker, chunk.records().iterator(), store, chunk.job(), chunk.first(), writer::write);
        s3.putObject(b -> b.bucket(chunk.bucket()).key(chunk.partKey()).contentType(CSV_TYPE),
                RequestBody.fromString(part.toString(), StandardCharsets.UTF_8));
        store.putChunk(chunk.job(), chunk.chunk(), tally);
        return finishIfComplete(chunk.job(), chunk.bucket());
    }

    /** Once every chunk of the job is done: the results file from the parts, in order, and the job done. */
    Optional<Job> finishIfComplete(String jobId, String bucket) {
        // Read now, not reused from before the chunk: the split may have stored its chunk count meanwhile.
        Optional<Job> found = store.job(jobId);
        if (found.isEmpty() || found.get().chunks() == 0 || found.get().status().equals(Job.DONE)) {
            return Optional.empty();
        }
        Job job = found.get();
        SortedMap<Integer, Tally> done = store.chunks(jobId);
        if (done.size() < job.chunks()) {
            return Optional.empty();
        }
        try {
            Path csv = Files.createTempFile("results-", ".csv");
            try {
                try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                    for (int i = 0; i < job.chunks(); i++) {
                        appendPart(bucket, Chunk.partKey(jobId, i), i == 0, out);
                    }
                }
                s3.putObject(b -> b.bucket(bucket).key(job.resultsKey()).contentType(CSV_TYPE), RequestBody.fromFile(csv));
            } finally {
                Files.deleteIfExists(csv);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Job finished = job.with(Job.DONE, Tally.sum(done.values()), job.chunks());
        store.putJob(finished);
        deleteParts(bucket, jobId, job.chunks());
        return Optional.of(finished);
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

    private void deleteParts(String bucket, String jobId, int chunks) {
        // DeleteObjects takes at most 1,000 keys.
        for (int from = 0; from < chunks; from += 1_000) {
            List<ObjectIdentifier> keys = IntStream.range(from, Math.min(chunks, from + 1_000))
                    .mapToObj(i -> ObjectIdentifier.builder().key(Chunk.partKey(jobId, i)).build()).toList();
            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(keys).quiet(true)));
        }
    }
}
