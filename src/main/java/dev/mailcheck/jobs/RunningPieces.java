package dev.mailcheck.jobs;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.pipeline.Rechecks;
import dev.mailcheck.pipeline.StoredRun;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.CheckResult;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The pieces of jobs being checked now (chunks, or whole lists), each through its checker into the store, with
 * the rechecks each holds. Its own class because how many of a job's addresses wait for a recheck is asked from
 * another thread (a GET of the job) while its pieces run: one owner of that bookkeeping, each piece removing its
 * own entry however it ends.
 */
final class RunningPieces {

    /** A piece of a job: a chunk, or the whole list ({@code chunk} -1). */
    private record Piece(String job, int chunk) {
    }

    private final JobWorkflow.Checkers checkers;
    private final JobResults results;
    private final Map<Piece, Rechecks> running = new ConcurrentHashMap<>();

    RunningPieces(JobWorkflow.Checkers checkers, JobResults results) {
        this.checkers = checkers;
        this.results = results;
    }

    /**
     * Checks a piece's records, storing each result at its position and handing it to {@code rows}.
     *
     * @param chunk the chunk's number, -1 for a whole list
     */
    Tally run(String job, int chunk, SmtpDepth smtp, Iterator<InputRecords.Input> records, long first,
              Consumer<CheckResult> rows) {
        Piece piece = new Piece(job, chunk);
        Rechecks rechecks = checkers.rechecks(smtp);
        running.put(piece, rechecks);
        try {
            return StoredRun.run(rechecks, records, results, job, first, rows);
        } finally {
            running.remove(piece);
        }
    }

    /** Addresses of a job that wait for a recheck now (0 when none wait). */
    int rechecking(String jobId) {
        return running.entrySet().stream().filter(e -> e.getKey().job().equals(jobId))
                .mapToInt(e -> e.getValue().waiting().map(Rechecks.Waiting::addresses).orElse(0)).sum();
    }
}
