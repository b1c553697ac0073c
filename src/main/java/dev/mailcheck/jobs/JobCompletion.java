package dev.mailcheck.jobs;

import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * How a job ends: its holder let go, the end announced, then stored (of two racing to end a job, one stores it);
 * and for a split list, once every chunk is done or given up on, the results file assembled from the parts of
 * the chunks done, in order, and the job ended done, partial or failed. Its own class because every way a job
 * runs (in one piece, in chunks, through the SMTP stage, given up on by whoever has the last word) ends here, and
 * so ends alike.
 */
final class JobCompletion {

    private final JobLifecycle jobs;
    private final JobResults results;
    private final ChunkTallies chunks;
    private final JobFiles files;
    private final JobEvents events;
    private final Consumer<Job> whenEnded;

    JobCompletion(JobLifecycle jobs, JobResults results, ChunkTallies chunks, JobFiles files, JobEvents events,
                  Consumer<Job> whenEnded) {
        this.jobs = jobs;
        this.results = results;
        this.chunks = chunks;
        this.files = files;
        this.events = events;
        this.whenEnded = whenEnded;
    }

    /** Lets the job's holder go, announces the end of the job, then stores it; empty if another ended it first. */
    Optional<Job> end(Job ended) {
        whenEnded.accept(ended);
        events.finished(ended);
        return jobs.finishJob(ended) ? Optional.of(ended) : Optional.empty();
    }

    /** {@link JobWorkflow#giveUp(Chunk, String)}, with or without the chunk's rows, for a job not ended yet. */
    Optional<Job> giveUp(Chunk chunk, String why, boolean withRows) {
        // A chunk stored done whose try broke off later (assembling its job, say) stays done, its rows too: counted
        // failed as well, it would make its job look complete while another chunk is still out.
        if (!chunks.chunks(chunk.job()).containsKey(chunk.chunk())) {
            if (withRows) {
                List<JobResults.Positioned> rows = chunk.notChecked(why);
                if (chunk.resultsKey() != null) {
                    ResultParts part = new ResultParts(files, chunk.job(), chunk.chunk(), false);
                    rows.forEach(row -> part.write(row.result()));
                    part.finish();
                }
                results.putResults(chunk.job(), rows);
            }
            // Last: a try that fails before this is retried, writing the same rows again.
            chunks.putFailedChunk(chunk.job(), chunk.chunk(), new ChunkTallies.FailedChunk(chunk.records().size(), why,
                    withRows ? Tally.EMPTY : null));
        }
        return finishIfComplete(chunk.job(), true);
    }

    /**
     * Once every chunk of the job is done or given up on: the results file from the parts of the chunks
     * done and given up on (whose rows say what was not checked), in order, and the job ended: done, partial, or
     * failed when nothing was answered. A failure to assemble fails the try (it is tried again) unless this
     * is the {@code lastWord} on the job (nothing tries after it): then the job ends failed, saying why, and can
     * be read and erased like any other.
     */
    Optional<Job> finishIfComplete(String jobId, boolean lastWord) {
        // Read now, not reused from before the chunk: the split may have stored its chunk count meanwhile.
        Optional<Job> found = jobs.job(jobId);
        if (found.isEmpty() || found.get().chunks() == 0 || found.get().finished()) {
            return Optional.empty();
        }
        Job job = found.get();
        SortedMap<Integer, Tally> done = chunks.chunks(jobId);
        SortedMap<Integer, ChunkTallies.FailedChunk> failed = chunks.failedChunks(jobId);
        if (done.size() + failed.size() < job.chunks()) {
            return Optional.empty();
        }
        // A chunk given up on kept its part (rows saying not checked; an SMTP job's chunk given up on in part, its
        // answers too): its rows go in the file with the rest. One given up on before parts were kept has none.
        SortedMap<Integer, Tally> kept = new TreeMap<>(done);
        failed.forEach((n, f) -> {
            if (f.kept() != null) {
                kept.put(n, f.kept());
            }
        });
        Tally checked = Tally.sum(kept.values());
        long notChecked = failed.values().stream().mapToLong(ChunkTallies.FailedChunk::records).sum();
        boolean withFile = job.resultsKey() != null;
        if (withFile && !kept.isEmpty()) {
            try {
                files.assemble(jobId, List.copyOf(kept.keySet()), ResultWriter.csvHeader(), job.resultsKey());
            } catch (RuntimeException e) {
                if (!lastWord) {
                    throw e;
                }
                Optional<Job> result = end(job.ended(JobStatus.FAILED, checked, notChecked,
                        "the results file could not be assembled (the results can still be read from the API): " + e,
                        null));
                files.deleteParts(jobId, job.chunks());
                return result;
            }
        }
        Job ended;
        if (failed.isEmpty()) {
            ended = job.with(JobStatus.DONE, checked, job.chunks());
        } else {
            Map.Entry<Integer, ChunkTallies.FailedChunk> first = failed.entrySet().iterator().next();
            boolean inPart = failed.values().stream().anyMatch(f -> f.kept() != null && f.kept().total() > 0);
            // Nothing answered: failed, its file (if rows were kept) a row per record saying so.
            ended = job.ended(checked.total() == 0 ? JobStatus.FAILED : JobStatus.PARTIAL, checked, notChecked,
                    failed.size() + " of " + job.chunks() + " chunks could not be checked"
                            + (inPart ? " in full" : "") + " (chunk " + first.getKey()
                            + ": " + first.getValue().error() + ")",
                    kept.isEmpty() ? null : job.resultsKey());
        }
        Optional<Job> result = end(ended);
        if (withFile) {
            files.deleteParts(jobId, job.chunks());
        }
        return result;
    }
}
