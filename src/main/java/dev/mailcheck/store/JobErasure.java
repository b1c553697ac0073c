package dev.mailcheck.store;

/**
 * Erasing a job from the store: at once, or in steps that each may be cut short and are carried on. Only
 * {@code DELETE /v1/jobs/{id}} and what carries its erasure on need it.
 */
public interface JobErasure {

    /** Erases the job: its record, every result and every chunk record. */
    void deleteJob(String jobId);

    /**
     * One step of erasing the job: up to about {@code maxItems} of its results and chunk records, and, once none
     * is left, its record (last, so that an erasure cut short leaves a job that can be erased again, never
     * items without one). Says whether nothing of the job is left. A store that erases a job at once does so here.
     */
    default boolean eraseSome(String jobId, int maxItems) {
        deleteJob(jobId);
        return true;
    }

    /** How many of the job's results an erasure under way has removed so far (0 before, or where erasing is at once). */
    default long erased(String jobId) {
        return 0;
    }
}
