package dev.mailcheck.store;

import java.time.Instant;
import java.util.Optional;

/**
 * A job's own record through its life: stored, created once, ended once, read; and for one removed, when and
 * why. The part of a {@link ResultStore} that whoever starts, runs or shows jobs needs.
 */
public interface JobLifecycle {

    /** What is left of a job that was removed: when, and why (e.g. later jobs needed its room). */
    record Gone(Instant when, String why) {
    }

    void putJob(Job job);

    /**
     * Stores the job in the state it ended in (done, partial, failed) unless it has already ended; says
     * whether it did. Of two racing to end a job, one wins, and only it announces the end.
     */
    boolean finishJob(Job job);

    /** Stores the job only if no job with its id exists yet; says whether it did. */
    boolean createJob(Job job);

    /**
     * Stores the job as split into {@code job.chunks()} chunks only while the job stored has not ended and was not
     * split yet; says whether it did. A second split of the same list at once (an event handled twice) finds it split
     * or ended, and leaves it.
     */
    boolean putSplit(Job job);

    Optional<Job> job(String id);

    /** For a job no longer kept (no {@link #job} any more), when and why it was removed; empty for an id never seen. */
    default Optional<Gone> gone(String id) {
        return Optional.empty();
    }
}
