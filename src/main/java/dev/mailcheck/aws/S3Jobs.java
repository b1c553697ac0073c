package dev.mailcheck.aws;

import dev.mailcheck.api.JobQueue;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.jobs.SmtpLedger;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Jobs of the HTTP API in Lambda: the list becomes an object under {@code uploads/}, whose trigger
 * checks it like any upload. The job id is the one that trigger derives from the object, so the
 * response can name the job before the trigger runs.
 */
final class S3Jobs implements JobQueue {

    /** Where lists wait until {@code POST /v1/jobs {"s3_key": ...}} asks for them to be checked. */
    static final String INCOMING = "incoming/";

    /** Why an SMTP job is refused (or, uploaded with {@code smtp: true} metadata, ends failed) where they are off. */
    static final String SMTP_OFF = "SMTP jobs are off on this deployment: deploy the stack with SmtpEnabled=true"
            + " (and SmtpHelo, and SmtpSocks or the VPC parameters: Lambda blocks port 25), see docs/aws.md";

    private final S3Client s3;
    private final String bucket;
    private final JobLifecycle store;
    private final SmtpLedger smtp;
    private final Erasure erasure;
    private final Duration eraseFor;

    /**
     * @param smtp     the SMTP stage's ledger (rechecks waiting), or null where SMTP jobs are off
     * @param eraseFor how long a DELETE erases before it leaves the rest to the queue (well inside the API's
     *                 29 seconds)
     */
    S3Jobs(S3Client s3, String bucket, JobLifecycle store, SmtpLedger smtp, Erasure erasure, Duration eraseFor) {
        this.s3 = s3;
        this.bucket = bucket;
        this.store = store;
        this.smtp = smtp;
        this.erasure = erasure;
        this.eraseFor = eraseFor;
    }

    /**
     * The list becomes an upload of its own; a column named and the SMTP probe asked for travel in its metadata,
     * where the trigger reads them.
     */
    @Override
    public Job submit(String list, boolean csv, String column, SmtpDepth smtp) {
        if (smtpRefused(smtp) != null) {
            throw new IllegalArgumentException(smtpRefused(smtp));
        }
        Map<String, String> metadata = new HashMap<>(column == null ? Map.of() : AddressColumn.metadata(column));
        metadata.putAll(UploadProcessor.smtpMetadata(smtp));
        String key = freshUpload(UUID.randomUUID() + (csv ? ".csv" : ".txt"));
        String etag = s3.putObject(b -> b.bucket(bucket).key(key).contentType(csv ? "text/csv" : "text/plain")
                .metadata(metadata), RequestBody.fromString(list, StandardCharsets.UTF_8)).eTag();
        return queued(key, etag);
    }

    @Override
    public String smtpRefused(SmtpDepth smtp) {
        return smtp.smtp() && this.smtp == null ? SMTP_OFF : null;
    }

    @Override
    public int rechecking(String jobId) {
        return smtp == null ? 0 : (int) Math.clamp(smtp.rechecking(jobId), 0, Integer.MAX_VALUE);
    }

    /** A key under uploads/ that no other list has. */
    private static String freshUpload(String name) {
        return UploadProcessor.UPLOADS + "api/" + LocalDate.now(ZoneOffset.UTC) + "/" + name;
    }

    /**
     * An object under {@code uploads/} was checked when it arrived: its job. One under {@code incoming/}
     * (where lists wait to be checked on demand) is copied into {@code uploads/}, which checks it. No other
     * prefix: {@code results/} and {@code work/} hold what this service wrote, and the API's policy grants
     * reading these two prefixes only.
     *
     * <p>A column named here, or the SMTP probe asked for, makes a copy of its own under {@code uploads/api/} with
     * them in its metadata: a job is one version of one key (its id comes from key and ETag, and a copy has its
     * source's ETag), so a list checked before, or copied from {@code incoming/} before, is checked again as a new
     * job.
     */
    @Override
    public Job submitObject(String key, String column, SmtpDepth smtp) {
        if (key.contains("..") || !(key.startsWith(UploadProcessor.UPLOADS) || key.startsWith(INCOMING))) {
            throw new IllegalArgumentException("s3_key must name an object under " + UploadProcessor.UPLOADS + " or "
                    + INCOMING + " of the uploads bucket, not " + key);
        }
        HeadObjectResponse head;
        try {
            // A missing key is a 404 only to a caller allowed s3:ListBucket (else S3 says 403); the policy allows it.
            head = s3.headObject(b -> b.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new IllegalArgumentException("no object " + key + " in the uploads bucket");
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new IllegalArgumentException("no object " + key + " in the uploads bucket");
            }
            throw e;
        }
        if (column != null || smtp.smtp()) {
            String copy = freshUpload(UUID.randomUUID() + "/" + key.substring(key.lastIndexOf('/') + 1));
            Map<String, String> metadata = new HashMap<>(head.metadata());
            if (column != null) {
                metadata.putAll(AddressColumn.metadata(column));
            }
            metadata.putAll(UploadProcessor.smtpMetadata(smtp));
            // REPLACE sets all metadata anew, the content headers included: those of the source go along.
            String copied = s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket)
                    .destinationKey(copy).metadataDirective(MetadataDirective.REPLACE).metadata(metadata)
                    .contentType(head.contentType()).contentEncoding(head.contentEncoding())).copyObjectResult().eTag();
            return queued(copy, copied);
        }
        if (key.startsWith(UploadProcessor.UPLOADS)) {
            return queued(key, head.eTag());
        }
        String copy = UploadProcessor.UPLOADS + key;
        String copied = s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket)
                .destinationKey(copy)).copyObjectResult().eTag();
        return queued(copy, copied);
    }

    /**
     * A copy of the list the job read under a fresh key of {@code uploads/api/}, with its metadata (a column named
     * travels along): a job of its own, whose id the answer names as for any list sent. Only while the object under
     * the job's key is still the version the job read.
     */
    @Override
    public Job rerun(Job job) {
        Erasure.Listed list = Erasure.listed(s3, bucket, job).orElseThrow(() -> new IllegalStateException(
                "the list of job " + job.id() + " is not in the uploads bucket (any more)"));
        String key = list.key();
        if (!list.readBy(job)) {
            throw new IllegalStateException(key + " was replaced since job " + job.id() + " read it; POST /v1/jobs"
                    + " {\"s3_key\": \"" + key + "\"} checks the list there now");
        }
        String copy = freshUpload(UUID.randomUUID() + "/" + key.substring(key.lastIndexOf('/') + 1));
        // If-Match: the version checked above, even if another upload lands in between.
        String copied = s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key).copySourceIfMatch(list.etag())
                .destinationBucket(bucket).destinationKey(copy)).copyObjectResult().eTag();
        return queued(copy, copied);
    }

    /**
     * The uploaded list (the version the job read), then the results file, the parts left under work/ and the
     * store's items, until the erasure's time here runs out; the chunk queue carries on with the rest.
     */
    @Override
    public boolean erase(Job job) {
        erasure.deleteList(job);
        return erasure.carryOn(job, Instant.now().plus(eraseFor));
    }

    /** The job as the trigger will know it; if the trigger got there first, its record stands. */
    private Job queued(String key, String etag) {
        String id = UploadProcessor.jobId(bucket, key, etag);
        store.createJob(UploadProcessor.job(id, bucket, key, JobStatus.QUEUED, Instant.now()));
        return store.job(id).orElseThrow();
    }
}
