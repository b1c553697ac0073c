package dev.mailcheck.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.jobs.SmtpLedger;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobErasure;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobStatus;
import java.time.Instant;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Erasing an ended job in steps that can each be cut short and carried on: the job is marked {@code erasing}
 * first and its item goes last, every delete is of what is still there, and what a step's deadline leaves is
 * handed to the chunk queue (a message {@code {"erase": "<job>"}} that the chunk function carries on, until
 * nothing is left). The list uploaded is deleted only in the exact version the job read.
 */
final class Erasure {

    /** Results and chunk records erased per store step: 40 BatchWriteItems, a second or two. */
    static final int STEP_ITEMS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final S3Client s3;
    private final String bucket;
    private final JobLifecycle jobs;
    private final ChunkTallies tallies;
    private final JobErasure store;
    private final SmtpLedger smtp;
    private final Supplier<SqsClient> sqs;
    private final String queue;
    private SqsClient client;

    /**
     * @param smtp  the SMTP stage's ledger (an SMTP job's rows until its parts are written), or null where SMTP
     *              jobs are off
     * @param queue the chunk queue's URL, where what a deadline leaves goes on; null: a later DELETE carries on
     */
    <S extends JobLifecycle & ChunkTallies & JobErasure> Erasure(S3Client s3, String bucket, S store, SmtpLedger smtp,
                                                                Supplier<SqsClient> sqs, String queue) {
        this.s3 = s3;
        this.bucket = bucket;
        this.jobs = store;
        this.tallies = store;
        this.store = store;
        this.smtp = smtp;
        this.sqs = sqs;
        this.queue = queue;
    }

    /**
     * The list under {@code uploads/}, only if the object there is still the one the job read: its ETag names
     * the job. DeleteObject with {@code If-Match} makes that check and the delete one step, so a newer list
     * uploaded under the same key (a job of its own) is never deleted, not even between HEAD and DELETE.
     */
    void deleteList(Job job) {
        listed(s3, bucket, job).filter(l -> l.readBy(job)).ifPresent(l -> {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(l.key()).ifMatch(l.etag()));
            } catch (S3Exception e) {
                if (e.statusCode() != 412 && e.statusCode() != 404) {
                    throw e; // 412: replaced since the HEAD; 404: deleted since
                }
            }
        });
    }

    /** A job's list under {@code uploads/} as it is there now. */
    record Listed(String bucket, String key, String etag) {

        /** Whether this is the version the job read (a newer list under the key is another job's). */
        boolean readBy(Job job) {
            return UploadProcessor.jobId(bucket, key, etag).equals(job.id());
        }
    }

    /** The object under the key of the job's list, by HEAD; empty when the job has none under uploads/, or it is gone. */
    static Optional<Listed> listed(S3Client s3, String bucket, Job job) {
        String prefix = "s3://" + bucket + "/";
        if (!job.source().startsWith(prefix + UploadProcessor.UPLOADS)) {
            return Optional.empty();
        }
        String key = job.source().substring(prefix.length());
        try {
            return Optional.of(new Listed(bucket, key, s3.headObject(b -> b.bucket(bucket).key(key)).eTag()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty(); // deleted already (an erasure carried on), or by its owner
            }
            throw e;
        }
    }

    /**
     * Works on the erasure until {@code deadline} (at least one step, so that each call gets further): the
     * results file, the parts left under {@code work/} and an SMTP job's ledger, then the store's items, the job's
     * last. Says whether
     * nothing of the job is left; if something is, it carries on from the queue (when there is one).
     */
    boolean carryOn(Job job, Instant deadline) {
        if (job.resultsKey() != null) {
            s3.deleteObject(b -> b.bucket(bucket).key(job.resultsKey()));
        }
        // Before the chunk records, which tell how far a split that broke off got (a resumed erasure that finds
        // none has deleted its parts and ledger already: records are erased only after them).
        int chunks = job.chunks();
        SortedMap<Integer, ?> done = tallies.chunks(job.id());
        SortedMap<Integer, ?> failed = tallies.failedChunks(job.id());
        chunks = Math.max(chunks, done.isEmpty() ? 0 : done.lastKey() + 1);
        chunks = Math.max(chunks, failed.isEmpty() ? 0 : failed.lastKey() + 1);
        new S3JobFiles(s3, bucket).deleteParts(job.id(), chunks);
        // An SMTP job's ledger holds its rows (addresses and results) until its parts are written.
        if (smtp != null) {
            smtp.erase(job.id(), chunks);
        }
        do {
            if (store.eraseSome(job.id(), STEP_ITEMS)) {
                return true;
            }
        } while (!Instant.now().isAfter(deadline));
        return later(job.id());
    }

    /** A message on the chunk queue ({@code {"erase": "<job>"}}) carried on until {@code deadline}. */
    void carryOn(String message, Instant deadline) {
        String id = jobOf(message).orElseThrow(() -> new IllegalArgumentException("not an erasure: " + message));
        Optional<Job> job = jobs.job(id);
        if (job.isPresent() && job.get().status() == JobStatus.ERASING) {
            carryOn(job.get(), deadline);
        }
    }

    private boolean later(String jobId) {
        if (queue != null) {
            String body = JSON.createObjectNode().put("erase", jobId).toString();
            queueClient().sendMessage(b -> b.queueUrl(queue).messageBody(body));
        }
        return false;
    }

    /** Built on the first erasure that needs it: most DELETEs finish without the queue. */
    private synchronized SqsClient queueClient() {
        if (client == null) {
            client = sqs.get();
        }
        return client;
    }

    /** The job a message on the chunk queue asks to erase; empty for a chunk. */
    static Optional<String> jobOf(String message) {
        try {
            JsonNode erase = JSON.readTree(message).path("erase");
            return erase.isTextual() ? Optional.of(erase.asText()) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
