package dev.mailcheck.jobs;

import dev.mailcheck.store.Job;

/**
 * Told of the end of every job (done, partial, failed), before the end is stored: at least once, since a
 * failure after it retries the step that ends the job, and two racing to end it may both tell. EventBridge
 * in Lambda; in {@code checker serve}, the job's slot is freed.
 */
@FunctionalInterface
public interface JobEvents {

    JobEvents NONE = (job, bucket) -> { };

    /** @param bucket where the job's files are, as its chunks name it (null for a job without files) */
    void finished(Job job, String bucket);
}
