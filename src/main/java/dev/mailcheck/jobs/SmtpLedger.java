package dev.mailcheck.jobs;

import dev.mailcheck.Verdict;
import dev.mailcheck.verdict.CheckResult;
import java.util.List;
import java.util.Set;

/**
 * What the workers of a job's SMTP stage share (a DynamoDB table in Lambda): per chunk, how many positions
 * still wait for their SMTP answer, and the row of each position settled so far; per job, the rechecks waiting and
 * their addresses. Settling is once per position, whoever tries: a work item delivered twice never counts or
 * stores an answer twice.
 */
public interface SmtpLedger {

    /**
     * A settled position: its verdict and its row of the results file (CSV, no header).
     *
     * @param givenUp why its SMTP stage was given up on (the row then says "not tried"); null for an answer
     * @param result  the position's result, stored in the job's results by the settle that wins the position and by
     *                no other, so that they and the results file never disagree; null as {@link #rows} reads it back
     */
    record Settled(long position, Verdict verdict, String row, String givenUp, CheckResult result) {

        /** A position to settle with its result and its row. */
        public Settled(long position, CheckResult result, String row, String givenUp) {
            this(position, result.verdict(), row, givenUp, result);
        }
    }

    /**
     * Opens the chunk's count of positions not settled yet at all of its {@code positions}; the DNS stage's rows then
     * {@link #settle} as the SMTP stage's answers do. Opening a chunk already open (a chunk delivered again) leaves
     * its count alone: each position is counted off once, whichever delivery settles it and however.
     */
    void open(String job, int chunk, long positions);

    /** Which of the positions {@code from..to} (inclusive) are settled already. */
    Set<Long> settled(String job, int chunk, long from, long to);

    /**
     * Settles answers, each position at most once (one settled before is skipped), storing its result in the job's
     * results with it, and counts them off the chunk's pending positions.
     *
     * @return the chunk's positions still pending after this
     */
    long settle(String job, int chunk, List<Settled> answers);

    /** Every settled row of the chunk, in position order. */
    List<Settled> rows(String job, int chunk);

    /**
     * Counts the addresses of a recheck (an item on its way to the recheck queue) as waiting, once however often it
     * is asked: a write whose reply was lost is sent again.
     */
    void recheckWaits(SmtpItem recheck);

    /** Counts the addresses of a recheck off again, once; one not counted (or counted off before) is left alone. */
    void recheckEnds(SmtpItem recheck);

    /** The job's addresses waiting for a recheck now. */
    long rechecking(String job);

    /** Forgets the job (its erasure): the rows and counts of its chunks {@code 0..chunks-1}, its rechecks. */
    void erase(String job, int chunks);
}
