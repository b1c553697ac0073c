package dev.mailcheck.api;

import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.store.Job;
import java.time.Duration;

/**
 * Where {@code POST /v1/jobs} hands a list to be checked after the response: in Lambda, the uploads
 * bucket (whose trigger checks it); in {@code checker serve}, a thread of the server.
 */
public interface JobQueue {

    /**
     * A list sent in the request body: one address per line, or CSV with an address column.
     *
     * @param csv    whether the request said {@code text/csv}
     * @param column the CSV column of the addresses, or null to take the one named like an address column
     *               ({@code InputRecords.ADDRESS_HEADERS}); when there is none, the job fails naming the headers
     * @param smtp   how far to probe SMTP: not at all, up to RCPT, or on to DATA's 354 (deferrals then rechecked
     *               before the job ends)
     * @return the job, queued
     * @throws Busy when as many jobs as this queue runs at once are already under way
     * @throws IllegalArgumentException with a message for the caller, when this queue cannot probe SMTP
     */
    Job submit(String list, boolean csv, String column, SmtpDepth smtp);

    /**
     * Why this queue can't take a job that asks for the SMTP probe (null when it can): the one rule for a list
     * sent and a list named by {@code s3_key}, which the API applies before either; one for either depth, as the
     * probe that stops at RCPT is the one that goes on to DATA.
     */
    String smtpRefused(SmtpDepth smtp);

    /**
     * A list already in the uploads bucket.
     *
     * @param column as for {@link #submit}; null leaves it to the object's own metadata, or detection
     * @param smtp   as for {@link #submit} (the API has asked {@link #smtpRefused} first)
     * @throws IllegalArgumentException with a message for the caller, when there is no such object
     */
    Job submitObject(String key, String column, SmtpDepth smtp);

    /**
     * The job's list checked again as a new job, queued. A list uploaded again with the same bytes under the same
     * key is the same job (its id comes from key and ETag); this is how it is checked anew.
     *
     * @throws IllegalStateException with a message for the caller when the list is not kept (or no longer there)
     */
    default Job rerun(Job job) {
        throw new IllegalStateException("this server keeps no list once it is checked; send the list again");
    }

    /** No room for another job now; the API answers 429 with {@code Retry-After}. */
    final class Busy extends RuntimeException {
        private final Duration retryAfter;

        public Busy(String message, Duration retryAfter) {
            super(message, null, false, false);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** Addresses of a running job that wait for a recheck (0 when none wait, or this queue does not know). */
    default int rechecking(String jobId) {
        return 0;
    }

    /**
     * Erases what the job (already marked {@code erasing}) left outside the result store (the list, its results
     * file), and may erase the store's items too. True when the caller may now erase what is left in the store;
     * false when the erasure carries on in the background (a later DELETE carries it on as well). Nothing by
     * default: {@code checker serve} keeps its jobs in the store alone.
     */
    default boolean erase(Job job) {
        return true;
    }
}
