package dev.mailcheck.aws;

import dev.mailcheck.jobs.JobFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** A job's results file under {@code results/} of the uploads bucket, and its parts under {@code work/}. */
final class S3JobFiles implements JobFiles {

    /** Parts of results files of split lists, until the last chunk assembles them. */
    static final String WORK = "work/";
    static final String CSV_TYPE = "text/csv; charset=utf-8";

    private final S3Client s3;

    S3JobFiles(S3Client s3) {
        this.s3 = s3;
    }

    @Override
    public void putPart(String bucket, String jobId, int chunk, String csv) {
        s3.putObject(b -> b.bucket(bucket).key(partKey(jobId, chunk)).contentType(CSV_TYPE),
                RequestBody.fromString(csv, StandardCharsets.UTF_8));
    }

    @Override
    public BufferedReader part(String bucket, String jobId, int chunk) {
        return new BufferedReader(new InputStreamReader(s3.getObject(b -> b.bucket(bucket).key(partKey(jobId, chunk))),
                StandardCharsets.UTF_8));
    }

    @Override
    public void putResults(String bucket, String key, Path csv) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(CSV_TYPE), RequestBody.fromFile(csv));
    }

    /**
     * One DeleteObject per part: S3 authorizes DeleteObjects per key, but moto (which the tests run the
     * template's policies in) authorizes it against the bucket, which the policies rightly don't grant.
     * Deleting a part that isn't there is no error, and the bucket's work/ lifecycle rule is the backstop.
     */
    @Override
    public void deleteParts(String bucket, String jobId, int chunks) {
        for (int i = 0; i < chunks; i++) {
            String key = partKey(jobId, i);
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
    }

    /** Where a chunk's rows of the results file wait for the last chunk. */
    static String partKey(String job, int chunk) {
        return WORK + job + "/" + String.format("%06d.csv", chunk);
    }
}
