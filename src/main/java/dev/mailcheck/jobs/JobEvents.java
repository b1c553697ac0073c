package dev.mailcheck.jobs;

import dev.mailcheck.store.Job;

/**
 * Told of the end of every job (done, partial, failed), before the end is stored: at least once, since a
 * failure after it retries the step that ends the job, and two racing to end it may both tell. EventBridge
 * in Lambda (which adds where the job's files are); nothing in {@code checker serve}.
 */
@FunctionalInterface
public interface JobEvents {

    JobEvents NONE = job -> { };

    void finished(Job job);
}
