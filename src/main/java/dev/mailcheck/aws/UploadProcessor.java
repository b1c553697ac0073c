package dev.mailcheck.aws;

import dev.mailcheck.LogPrivacy;
import dev.mailcheck.jobs.ChunkQueue;
import dev.mailcheck.jobs.JobEvents;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.ListRun;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One uploaded list, start to end: the S3 side of the {@link JobWorkflow}. The object is streamed from S3,
 * never held whole, into the workflow, which checks a list of up to {@code INLINE_MAX_RECORDS} records here
 * and splits a larger one into chunks on the SQS queue (checked by {@link SqsChunkHandler}), so no list is
 * bounded by one invocation's 15 minutes. The job id comes from the object's bucket, key and ETag: each
 * upload is a job of its own, with its own results file, and the same upload delivered again finds its job.
 */
final class UploadProcessor {

    private static final Logger LOG = Logger.getLogger(UploadProcessor.class.getName());
    static final String UPLOADS = "uploads/";
    static final String RESULTS = "results/";

    private final S3Client s3;
    /**
     * The object metadata that asks for the SMTP probe: {@code x-amz-meta-smtp: true} up to RCPT, {@code data} on to
     * DATA's 354; {@code false} or none for DNS only.
     */
    static final String SMTP_METADATA = "smtp";

    private final JobLifecycle store;
    private final JobWorkflow workflow;
    /** The workflow of SMTP jobs, which splits every list; null where SMTP jobs are off. */
    private final JobWorkflow smtpWorkflow;

    <S extends JobLifecycle & JobResults & ChunkTallies> UploadProcessor(AwsConfig config, Checker checker, S3Client s3, SqsClient sqs, S store,
                                                                      JobEvents events) {
        this(config, false, checker, s3, sqs, store, events, JobWorkflow.CHUNK_RECORDS);
    }

    /**
     * @param smtpJobs whether uploads may ask for the SMTP probe (the stack's SMTP queues exist)
     * @param sqs      the client of the chunk queue; null where {@code config} names none
     */
    <S extends JobLifecycle & JobResults & ChunkTallies> UploadProcessor(AwsConfig config, boolean smtpJobs, Checker checker, S3Client s3,
                                                                      SqsClient sqs, S store, JobEvents events,
                                                                      int chunkRecords) {
        this.s3 = s3;
        this.store = store;
        String queue = config.chunkQueue();
        JobWorkflow.Builder workflow = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store)
                .files(new S3JobFiles(s3, config.uploadBucket())).events(events);
        ChunkQueue chunks = queue == null ? null
                : chunk -> sqs.sendMessage(b -> b.queueUrl(queue).messageBody(chunk.toJson()));
        if (chunks != null) {
            workflow.splitting(chunks, new JobWorkflow.Chunking(config.inlineMaxRecords(), chunkRecords));
        }
        this.workflow = workflow.build();
        // Every SMTP list is split, however short: its probing happens on the SMTP queue, a provider at a time,
        // never in this function. Only an empty list is "checked" here, and it has nothing to probe.
        this.smtpWorkflow = !smtpJobs || chunks == null ? null
                : JobWorkflow.builder(new JobWorkflow.Checkers(checker, checker, checker, Recheck.NONE), store)
                .files(new S3JobFiles(s3, config.uploadBucket())).events(events)
                .splitting(chunks, new JobWorkflow.Chunking(0, chunkRecords)).build();
    }

    Job process(String bucket, String key, String etag) {
        String id = jobId(bucket, key, etag);
        Optional<Job> existing = store.job(id);
        if (existing.isPresent() && (existing.get().finished() || existing.get().chunks() > 0)) {
            // The same object again: an event delivered twice, or the same bytes uploaded again under the key.
            LOG.info(LogPrivacy.text(id + " s3://" + bucket + "/" + key + ": the same object (key and ETag) as before,"
                    + " its job stands (" + existing.get().status() + "); POST /v1/jobs/" + id + "/rerun checks it anew"));
            return existing.get();
        }
        Job job = job(id, bucket, key, JobStatus.RUNNING, existing.map(Job::created).orElse(Instant.now()));
        store.putJob(job);
        ResponseInputStream<GetObjectResponse> object;
        try {
            // This version only: a newer upload under the same key is a job of its own.
            object = s3.getObject(b -> b.bucket(bucket).key(key).ifMatch("\"" + etag.replace("\"", "") + "\""));
        } catch (NoSuchKeyException e) {
            return workflow.fail(job, "the object was deleted before it was read");
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return workflow.fail(job, "the object was replaced by a newer upload (a job of its own) before it"
                        + " was read");
            }
            throw e;
        }
        // Anything else fails the invocation: Lambda tries twice more, then the on-failure destination ends the job.
        try (object) {
            SmtpDepth smtp;
            try {
                smtp = smtpDepth(object.response().metadata());
            } catch (IllegalArgumentException e) {
                return workflow.fail(job, e.getMessage());
            }
            if (smtp.smtp() && smtpWorkflow == null) {
                return workflow.fail(job, S3Jobs.SMTP_OFF);
            }
            // The column the upload names, else the one whose header is named like an address column.
            return (smtp.smtp() ? smtpWorkflow : workflow).check(job, InputRecords.reader(object),
                    InputRecords.Format.AUTO, AddressColumn.of(object.response().metadata()), smtp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * How far an upload asks to be probed ({@link #SMTP_METADATA}). Any other value is refused rather than read as
     * DNS only: an upload that meant to probe ({@code yes}, {@code rcpt}) would otherwise end {@code done} unprobed.
     */
    static SmtpDepth smtpDepth(Map<String, String> metadata) {
        String value = metadata.getOrDefault(SMTP_METADATA, "").strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "false" -> SmtpDepth.NONE;
            case "true" -> SmtpDepth.RCPT;
            case "data" -> SmtpDepth.DATA;
            default -> throw new IllegalArgumentException("the upload's metadata smtp: " + value + " is none of true"
                    + " (probe up to RCPT), data (on to DATA's 354) or false");
        };
    }

    /** The metadata that asks for {@code smtp} ({@link #smtpDepth} reads it back); none for DNS only. */
    static Map<String, String> smtpMetadata(SmtpDepth smtp) {
        return switch (smtp) {
            case NONE -> Map.of();
            case RCPT -> Map.of(SMTP_METADATA, "true");
            case DATA -> Map.of(SMTP_METADATA, "data");
        };
    }

    /**
     * The upload function gave up on this upload (it failed, crashed or timed out on every try; Lambda's
     * on-failure destination says so): its job ends failed, with the results stored before it broke off.
     * A job already split is left to its chunks, which end it. One never stored ends failed too; one erased since
     * (its end stored by an earlier try of this give-up, then DELETEd) stays gone.
     */
    Optional<Job> giveUp(String bucket, String key, String etag, String why) {
        String id = jobId(bucket, key, etag);
        Optional<Job> job = store.job(id);
        if (job.isEmpty() && store.gone(id).isPresent()) {
            return Optional.empty();
        }
        return workflow.giveUp(job.orElseGet(() -> job(id, bucket, key, JobStatus.QUEUED, Instant.now())), why);
    }

    /** The job of an upload, nothing checked yet. */
    static Job job(String id, String bucket, String key, JobStatus status, Instant created) {
        return new Job(id, "s3://" + bucket + "/" + key, status, 0, Tally.EMPTY.counts(), created, Instant.now(),
                resultsKey(key, id), 0);
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
