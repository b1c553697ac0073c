package dev.mailcheck.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.Verdict;
import dev.mailcheck.verdict.ResultJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * For {@code checker serve} without DynamoDB: jobs in this process, each job's results in a temporary file,
 * all gone when the process ends. Memory per job is its record and 8 bytes per result (where its line
 * starts in the file), so a list of millions of short lines is no danger to the heap.
 *
 * <p>A finished job is forgotten, with its results, {@code keepFor} after it finished, or sooner when the
 * finished jobs together hold more than {@code keptResults} results; each counts as at least
 * {@code keptResults / keptJobs}, so at most {@code keptJobs} are kept. A job under way is never forgotten
 * (the number of those is bounded by whoever runs them).
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

    private final Cache<String, Kept> jobs;
    private final ObjectMapper json;

    /** @param replyLink where a reply code is explained (each stored result's {@code reference}), null where nowhere */
    public LocalResultStore(Limits limits, IntFunction<String> replyLink) {
        this(limits, Ticker.systemTicker(), replyLink);
    }

    /** @param ticker the clock of {@code keepFor} */
    public LocalResultStore(Limits limits, Ticker ticker, IntFunction<String> replyLink) {
        this.json = ResultJson.mapper(replyLink);
        long floor = limits.keptResults() / limits.keptJobs();
        long keepFor = limits.keepFor().toNanos();
        this.jobs = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // evict on the writing thread: the limits hold when putJob returns
                .maximumWeight(limits.keptResults())
                // Weight 0 is never evicted for size: a job under way stays whatever the others hold. A job larger
                // than the whole allowance counts as the allowance: it is kept alone rather than dropped at once.
                .<String, Kept>weigher((id, kept) -> kept.underWay() ? 0
                        : (int) Math.min(Math.max(kept.job == null ? 0 : kept.job.total(), floor), limits.keptResults()))
                .expireAfter(new Expiry<String, Kept>() {
                    @Override
                    public long expireAfterCreate(String id, Kept kept, long now) {
                        return kept.underWay() ? Long.MAX_VALUE : keepFor;
                    }

                    @Override
                    public long expireAfterUpdate(String id, Kept kept, long now, long left) {
                        return expireAfterCreate(id, kept, now);
                    }

                    @Override
                    public long expireAfterRead(String id, Kept kept, long now, long left) {
                        return left;
                    }
                })
                .removalListener((String id, Kept kept, RemovalCause cause) -> {
                    if (kept != null && cause != RemovalCause.REPLACED) {
                        kept.results.close();
                    }
                })
                .build();
    }

    /** A job, its results and its chunks' tallies. */
    private static final class Kept {
        /** Null while only results have been stored (POST /v1/checks stores them first). */
        volatile Job job;
        final ResultFile results = new ResultFile();
        final SortedMap<Integer, Tally> chunks = new ConcurrentSkipListMap<>();
        final SortedMap<Integer, FailedChunk> failedChunks = new ConcurrentSkipListMap<>();

        boolean underWay() {
            return job != null && !job.finished();
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

    /** Stores the job when {@code replaces} accepts the one stored (null: none yet); says whether it did. */
    private boolean putIf(Job job, Predicate<Job> replaces) {
        boolean[] put = {false};
        jobs.asMap().compute(job.id(), (id, kept) -> {
            Kept k = kept == null ? new Kept() : kept;
            if (replaces.test(k.job)) {
                k.job = job;
                put[0] = true;
            }
            return k; // weighed and timed again
        });
        return put[0];
    }

    @Override
    public Optional<Job> job(String id) {
        return Optional.ofNullable(jobs.getIfPresent(id)).map(k -> k.job);
    }

    @Override
    public void putResults(String jobId, List<Positioned> batch) {
        jobs.get(jobId, id -> new Kept()).results.put(batch, json);
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        Kept kept = jobs.getIfPresent(jobId);
        return kept == null ? new Page(List.of(), null)
                : kept.results.page(cursor == null ? 0 : Long.parseLong(cursor) + 1, limit);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        Kept kept = jobs.get(jobId, id -> new Kept());
        kept.chunks.put(chunk, tally);
        kept.failedChunks.remove(chunk);
    }

    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        jobs.get(jobId, id -> new Kept()).failedChunks.put(chunk, failed);
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        Kept kept = jobs.getIfPresent(jobId);
        return kept == null ? new TreeMap<>() : new TreeMap<>(kept.failedChunks);
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        Kept kept = jobs.getIfPresent(jobId);
        return kept == null ? new TreeMap<>() : new TreeMap<>(kept.chunks);
    }

    @Override
    public void clearChunks(String jobId) {
        Kept kept = jobs.getIfPresent(jobId);
        if (kept != null) {
            kept.chunks.clear();
            kept.failedChunks.clear();
        }
    }

    @Override
    public Tally tally(String jobId) {
        Kept kept = jobs.getIfPresent(jobId);
        return kept == null ? Tally.EMPTY : kept.results.tally();
    }

    /** Forgets the job now; the removal closes its results file. */
    @Override
    public void deleteJob(String jobId) {
        jobs.invalidate(jobId);
    }

    /** Closes every results file. */
    @Override
    public void close() {
        jobs.invalidateAll();
    }

    /**
     * Results as JSON lines in a temporary file, appended in the order they come; an index says where each
     * position's line is (a position stored again points to its new line).
     */
    private static final class ResultFile {

        /** An index entry: the line's offset in the high bits, its length in the low ones; 0 for none. */
        private static final int LENGTH_BITS = 24;

        private FileChannel file;
        private long size;
        private long[] index = new long[0];
        /** Each position's verdict (ordinal + 1; 0 for none), one byte a result, for {@link #tally()}. */
        private byte[] verdicts = new byte[0];
        private boolean closed;

        synchronized void put(List<Positioned> batch, ObjectMapper json) {
            if (batch.isEmpty()) {
                return;
            }
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            long[] entries = new long[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i).position() < 0 || batch.get(i).position() >= Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("position " + batch.get(i).position() + " is out of range here");
                }
                byte[] line = json(json, batch.get(i));
                if (line.length >= 1 << LENGTH_BITS) {
                    throw new IllegalStateException("a result of " + line.length + " bytes");
                }
                entries[i] = (size + lines.size()) << LENGTH_BITS | line.length;
                lines.writeBytes(line);
                lines.write('\n');
            }
            try {
                ByteBuffer out = ByteBuffer.wrap(lines.toByteArray());
                FileChannel f = open();
                while (out.hasRemaining()) {
                    f.write(out, size + out.position());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            size += lines.size();
            for (int i = 0; i < batch.size(); i++) {
                long position = batch.get(i).position();
                if (position >= index.length) {
                    index = Arrays.copyOf(index, (int) Math.min(Integer.MAX_VALUE - 8,
                            Math.max(position + 1, index.length * 3L / 2 + 16)));
                    verdicts = Arrays.copyOf(verdicts, index.length);
                }
                index[(int) position] = entries[i];
                verdicts[(int) position] = (byte) (batch.get(i).result().verdict().ordinal() + 1);
            }
        }

        synchronized Page page(long from, int limit) {
            List<String> page = new ArrayList<>(limit);
            long last = -1;
            // A forgotten job's index is empty: its pages end here.
            for (long p = Math.max(from, 0); p < index.length; p++) {
                long entry = index[(int) p];
                if (entry == 0) {
                    continue;
                }
                if (page.size() == limit) {
                    return new Page(page, Long.toString(last));
                }
                page.add(read(entry >>> LENGTH_BITS, (int) (entry & ((1 << LENGTH_BITS) - 1))));
                last = p;
            }
            return new Page(page, null);
        }

        synchronized Tally tally() {
            Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
            long total = 0;
            for (byte v : verdicts) {
                if (v != 0) {
                    counts.merge(Verdict.values()[v - 1], 1L, Long::sum);
                    total++;
                }
            }
            return new Tally(total, counts);
        }

        synchronized void close() {
            closed = true;
            index = new long[0];
            verdicts = new byte[0];
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /** The file, opened on the first result, and unlinked at once: nothing is left behind however the process ends. */
        private FileChannel open() throws IOException {
            if (closed) {
                throw new IllegalStateException("this job has been forgotten");
            }
            if (file == null) {
                Path path = Files.createTempFile("checker-results-", ".jsonl");
                file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                Files.delete(path);
            }
            return file;
        }

        private String read(long offset, int length) {
            ByteBuffer in = ByteBuffer.allocate(length);
            try {
                while (in.hasRemaining()) {
                    if (file.read(in, offset + in.position()) < 0) {
                        throw new IOException("the results file ends early");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String(in.array(), StandardCharsets.UTF_8);
        }

        private static byte[] json(ObjectMapper json, Positioned p) {
            try {
                return json.writeValueAsBytes(p.result());
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
