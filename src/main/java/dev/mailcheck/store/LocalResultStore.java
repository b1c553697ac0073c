package dev.mailcheck.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.verdict.ResultJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * For {@code checker serve} without DynamoDB: jobs and their results in a data directory that outlives the
 * process ({@code jobs/ID.json}, {@code results/ID.jsonl}, {@code gone/ID}). Memory per job is its record and
 * 9 bytes per result (where its line starts, its verdict), so a list of millions of short lines is no danger
 * to the heap; a finished job's results are indexed again only when they are first read after a restart.
 *
 * <p>A finished job is removed, with its results, {@code keepFor} after it finished, or sooner when the
 * finished jobs together hold more than {@code keptResults} results or number more than {@code keptJobs}:
 * the oldest to finish goes first. A job larger than the whole allowance is kept alone. A job under way is
 * never removed (the number of those is bounded by whoever runs them). A removed job leaves a tombstone
 * ({@link #gone}) saying when and why, kept for {@link #TOMBSTONE_DAYS} days, at most {@code 10 * keptJobs}.
 * A job found under way when the store opens was cut off by the server stopping: it is ended {@code failed}.
 */
public final class LocalResultStore implements ResultStore, AutoCloseable {

    /** How many finished jobs, and results of theirs, are kept, and for how long. */
    public record Limits(Duration keepFor, int keptJobs, long keptResults) {

        public static final Limits DEFAULT = new Limits(Duration.ofHours(24), 1_000, 1_000_000);

        public Limits {
            if (keepFor.isNegative() || keptJobs < 1 || keptResults < keptJobs) {
                throw new IllegalArgumentException("keep finished jobs for zero or more time, at least one of them,"
                        + " and at least as many results as jobs");
            }
        }
    }

    /** What a job under way when the server stopped ends with. */
    public static final String STOPPED = "the server stopped before this job ended";
    static final int TOMBSTONE_DAYS = 30;

    /** A directory made for this store alone, erased when it closes. */
    private final boolean temporary;
    private final Limits limits;
    private final Ticker ticker;
    private final ObjectMapper json;
    private final Map<String, Kept> jobs = new ConcurrentHashMap<>();
    /** Finished jobs, oldest to finish first; guarded by itself, as are the counters and the tombstones. */
    private final LinkedHashMap<String, Kept> finished = new LinkedHashMap<>();
    private long finishedWeight;
    private final LinkedHashMap<String, Gone> gone = new LinkedHashMap<>();
    private final StoreDirectory files;

    /** A store in a temporary directory of its own, erased when it closes (tests; nothing to keep). */
    public LocalResultStore(Limits limits, IntFunction<String> replyLink) {
        this(limits, Ticker.systemTicker(), replyLink);
    }

    /** @param ticker the clock of {@code keepFor} */
    public LocalResultStore(Limits limits, Ticker ticker, IntFunction<String> replyLink) {
        this(StoreDirectory.temporary(), true, limits, ticker, replyLink);
    }

    /**
     * A store in {@code dir} (made if missing), with the jobs and tombstones found there: those beyond the
     * limits are removed at once, those under way ended {@code failed} ({@link #STOPPED}).
     *
     * @param replyLink where a reply code is explained (each stored result's {@code reference}), null where nowhere
     */
    public LocalResultStore(Path dir, Limits limits, IntFunction<String> replyLink) {
        this(dir, false, limits, Ticker.systemTicker(), replyLink);
    }

    private LocalResultStore(Path dir, boolean temporary, Limits limits, Ticker ticker, IntFunction<String> replyLink) {
        this.temporary = temporary;
        this.limits = limits;
        this.ticker = ticker;
        this.json = ResultJson.mapper(replyLink);
        try {
            this.files = new StoreDirectory(dir);
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A job, its results and its chunks' tallies. */
    private static final class Kept {
        /** Null while only results have been stored (POST /v1/checks stores them first). */
        volatile Job job;
        final ResultFile results;
        final SortedMap<Integer, Tally> chunks = new ConcurrentSkipListMap<>();
        final SortedMap<Integer, FailedChunk> failedChunks = new ConcurrentSkipListMap<>();
        /** When it finished, on the ticker; its weight against {@code keptResults}. Guarded by {@code finished}. */
        long finishedAt;
        long weight;

        Kept(Path results) {
            this.results = new ResultFile(results);
        }
    }

    @Override
    public void putJob(Job job) {
        putIf(job, stored -> true);
    }

    @Override
    public boolean finishJob(Job job) {
        return putIf(job, stored -> stored == null || !stored.finished());
    }

    @Override
    public boolean createJob(Job job) {
        return putIf(job, stored -> stored == null);
    }

    @Override
    public boolean putSplit(Job job) {
        synchronized (finished) {
            // Looked up first: putIf keeps a place for a job not there, which a refused split must not leave.
            return job(job.id()).isPresent()
                    && putIf(job, stored -> stored != null && !stored.finished() && stored.chunks() == 0);
        }
    }

    /** Stores the job when {@code replaces} accepts the one stored (null: none yet); says whether it did. */
    private boolean putIf(Job job, Predicate<Job> replaces) {
        synchronized (finished) {
            Kept k = kept(job.id(), true);
            if (!replaces.test(k.job)) {
                return false;
            }
            k.job = job;
            files.writeJob(job);
            if (finished.remove(job.id(), k)) {
                finishedWeight -= k.weight;
            }
            if (job.finished()) {
                k.results.finish();
                k.finishedAt = ticker.read();
                long floor = limits.keptResults() / limits.keptJobs();
                // Weighed as at least an equal share, so at most keptJobs are kept; at most the whole allowance.
                k.weight = Math.min(Math.max(job.total(), floor), limits.keptResults());
                finished.put(job.id(), k);
                finishedWeight += k.weight;
                makeRoom();
            }
            return true;
        }
    }

    @Override
    public Optional<Job> job(String id) {
        return Optional.ofNullable(kept(id, false)).map(k -> k.job);
    }

    @Override
    public Optional<Gone> gone(String id) {
        synchronized (finished) {
            expire();
            return Optional.ofNullable(gone.get(id));
        }
    }

    @Override
    public void putResults(String jobId, List<Positioned> batch) {
        kept(jobId, true).results.put(batch, json);
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        Kept kept = kept(jobId, false);
        return kept == null ? new Page(List.of(), null)
                : kept.results.page(cursor == null ? 0 : Long.parseLong(cursor) + 1, limit);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        Kept kept = kept(jobId, true);
        kept.chunks.put(chunk, tally);
        kept.failedChunks.remove(chunk);
    }

    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        kept(jobId, true).failedChunks.put(chunk, failed);
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        Kept kept = kept(jobId, false);
        return kept == null ? new TreeMap<>() : new TreeMap<>(kept.failedChunks);
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        Kept kept = kept(jobId, false);
        return kept == null ? new TreeMap<>() : new TreeMap<>(kept.chunks);
    }

    @Override
    public void clearChunks(String jobId) {
        Kept kept = kept(jobId, false);
        if (kept != null) {
            kept.chunks.clear();
            kept.failedChunks.clear();
        }
    }

    @Override
    public Tally tally(String jobId) {
        Kept kept = kept(jobId, false);
        return kept == null ? Tally.EMPTY : kept.results.tally();
    }

    /** Erases the job now, leaving a tombstone that says so. */
    @Override
    public void deleteJob(String jobId) {
        synchronized (finished) {
            remove(jobId, "it was deleted (DELETE /v1/jobs/" + jobId + ")");
        }
    }

    /** Closes every results file; a temporary directory is erased. */
    @Override
    public void close() {
        synchronized (finished) {
            jobs.values().forEach(k -> k.results.close());
            jobs.clear();
            finished.clear();
            files.close();
            if (temporary) {
                files.erase();
            }
        }
    }

    /** The job kept under {@code id}, made when {@code create}; null when there is none (or its time is up). */
    private Kept kept(String id, boolean create) {
        synchronized (finished) {
            expire();
            if (!create) {
                return jobs.get(id);
            }
            gone.remove(id); // stored again: no longer gone
            return jobs.computeIfAbsent(id, i -> new Kept(files.results(i)));
        }
    }

    /** Removes finished jobs past their time, and tombstones past theirs; oldest first, each loop stopping at the first kept. */
    private void expire() {
        long now = ticker.read();
        for (Iterator<Kept> it = finished.values().iterator(); it.hasNext(); ) {
            Kept k = it.next();
            if (now - k.finishedAt <= limits.keepFor().toNanos()) {
                break;
            }
            remove(k.job.id(), "finished jobs are kept for " + limits.keepFor().toHours() + " hours (--kept-hours)");
            it = finished.values().iterator();
        }
        forgetTombstones();
    }

    /** Tombstones past their time, or beyond their number, oldest first. */
    private void forgetTombstones() {
        Instant oldest = Instant.now().minus(Duration.ofDays(TOMBSTONE_DAYS));
        for (Iterator<Map.Entry<String, Gone>> it = gone.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Gone> g = it.next();
            if (g.getValue().when().isAfter(oldest) && gone.size() <= 10L * limits.keptJobs()) {
                break;
            }
            it.remove();
            files.deleteGone(g.getKey());
        }
    }

    /** Removes the oldest finished jobs while those kept are more than the limits allow (never the last one). */
    private void makeRoom() {
        while (finished.size() > 1 && (finishedWeight > limits.keptResults() || finished.size() > limits.keptJobs())) {
            remove(finished.keySet().iterator().next(), "this server keeps the results of at most "
                    + limits.keptJobs() + " finished jobs and " + limits.keptResults() + " results in all (--kept-jobs,"
                    + " --kept-results), and jobs that finished later needed the room");
        }
    }

    /** Forgets the job and erases its files, leaving a tombstone. Called holding {@code finished}. */
    private void remove(String id, String why) {
        Kept k = jobs.remove(id);
        if (k == null) {
            return;
        }
        if (finished.remove(id, k)) {
            finishedWeight -= k.weight;
        }
        k.results.close();
        files.deleteJob(id);
        Gone g = new Gone(Instant.now(), why);
        gone.put(id, g);
        files.writeGone(id, g);
        forgetTombstones();
    }

    private void load() throws IOException {
        gone.putAll(files.tombstones());
        List<Job> stored = files.jobs();
        stored.sort(Comparator.comparing(Job::updated));
        long now = ticker.read();
        Instant wall = Instant.now();
        synchronized (finished) {
            for (Job job : stored) {
                Kept k = new Kept(files.results(job.id()));
                jobs.put(job.id(), k);
                Job ended = job.finished() ? job
                        : job.ended(JobStatus.FAILED, k.results.tally(), null, STOPPED, job.resultsKey());
                k.job = ended;
                if (ended != job) {
                    files.writeJob(ended);
                }
                k.finishedAt = now - Math.max(0, Duration.between(ended.updated(), wall).toNanos());
                k.weight = Math.min(Math.max(ended.total(), limits.keptResults() / limits.keptJobs()),
                        limits.keptResults());
                finished.put(job.id(), k);
                finishedWeight += k.weight;
            }
            makeRoom();
            expire();
        }
    }
}
